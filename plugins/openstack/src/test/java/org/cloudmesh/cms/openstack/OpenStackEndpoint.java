package org.cloudmesh.cms.openstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local OpenStack for tests, laid out as DevStack serves it behind one web server: Keystone v3 under a path
 * ({@link #prefix}{@code /v3/auth/tokens}, e.g. {@code /identity/v3}; password method, project scope; the token in
 * {@code X-Subject-Token}, the catalog pointing at the local Nova under {@code /compute/v2.1}); any other path gets
 * the web server's HTML 404 page and the Nova compute API v2.1 JSON for the calls the
 * openstack provider makes ({@code /servers}, {@code /servers/detail}, {@code /servers/{id}/action} os-start and
 * os-stop, {@code /flavors/detail}, {@code /images/detail}, {@code /os-keypairs}). Servers are BUILD when created and
 * ACTIVE at the next look; errors are Nova's {@code {"badRequest": {"code", "message"}}} style.
 */
final class OpenStackEndpoint implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer server;
    final String user;
    final String password;
    final String project;
    final String prefix;
    final Map<String, Map<String, Object>> servers = new ConcurrentHashMap<>();
    final Map<String, Map<String, Object>> keypairs = new ConcurrentHashMap<>();
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> tokens = new ConcurrentHashMap<>();
    final List<Map<String, Object>> images = List.of(
            Map.of("id", "7d1a7a2c-0b3b-4e0e-9a5b-ubuntu220400", "name", "ubuntu-22.04", "status", "ACTIVE", "minDisk", 0, "minRam", 0, "progress", 100),
            Map.of("id", "3a9e4f11-5c2d-4f6e-8b7a-cirros060000", "name", "cirros-0.6", "status", "ACTIVE", "minDisk", 0, "minRam", 0, "progress", 100));
    final List<Map<String, Object>> flavors = List.of(
            Map.of("id", "1", "name", "m1.tiny", "ram", 512, "vcpus", 1, "disk", 1, "swap", "", "os-flavor-access:is_public", true),
            Map.of("id", "2", "name", "m1.small", "ram", 2048, "vcpus", 1, "disk", 20, "swap", "", "os-flavor-access:is_public", true));
    volatile int instanceQuota = 20;
    volatile String floatingIp = "172.24.4.10";
    volatile long delayMillis = 0;
    /** Where the catalog says Nova is (a path this server does not serve makes a wrong catalog). */
    volatile String computePath = "/compute/v2.1";

    /** Keystone at {@code /v3}. */
    OpenStackEndpoint(String user, String password, String project) throws IOException {
        this(user, password, project, "");
    }

    /** Keystone at {@code prefix/v3}, e.g. {@code /identity/v3} as DevStack. */
    OpenStackEndpoint(String user, String password, String project, String prefix) throws IOException {
        this.prefix = prefix;
        this.user = user;
        this.password = password;
        this.project = project;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** OS_AUTH_URL */
    String authUrl() {
        return base() + prefix + "/v3";
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    static final class NovaError extends RuntimeException {
        final int status;
        final String kind;

        NovaError(int status, String kind, String message) {
            super(message);
            this.status = status;
            this.kind = kind;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            byte[] body = ex.getRequestBody().readAllBytes();
            calls.add(method + " " + path);
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                if (path.equals(prefix + "/v3/auth/tokens") && method.equals("POST")) {
                    keystone(ex, body);
                    return;
                }
                if (path.equals("/compute/v2.1") || path.equals("/compute/v2.1/")) {
                    send(ex, 200, Map.of("version", Map.of("id", "v2.1", "status", "CURRENT", "version", "2.96", "min_version", "2.1",
                            "updated", "2013-07-23T11:33:21Z", "links", List.of(Map.of("rel", "self", "href", base() + "/compute/v2.1/")))), Map.of());
                    return;
                }
                if (!path.startsWith("/compute/v2.1/")) {
                    // the web server in front of the services knows no such path
                    byte[] page = ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n"
                            + "<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n"
                            + "<address>Apache/2.4.58 (Ubuntu) Server at 127.0.0.1 Port " + server.getAddress().getPort() + "</address>\n</body></html>\n")
                            .getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "text/html; charset=iso-8859-1");
                    ex.sendResponseHeaders(404, page.length);
                    ex.getResponseBody().write(page);
                    return;
                }
                String token = ex.getRequestHeaders().getFirst("X-Auth-Token");
                if (token == null || !tokens.containsKey(token)) {
                    send(ex, 401, Map.of("error", Map.of("code", 401, "title", "Unauthorized",
                            "message", "The request you have made requires authentication.")), Map.of());
                    return;
                }
                nova(ex, method, path.substring("/compute/v2.1".length()), body);
            } catch (NovaError e) {
                send(ex, e.status, Map.of(e.kind, Map.of("code", e.status, "message", e.getMessage())), Map.of());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void keystone(HttpExchange ex, byte[] body) throws IOException {
        Map<String, Object> auth = (Map<String, Object>) JSON.readValue(body, Map.class).get("auth");
        Map<String, Object> identity = (Map<String, Object>) auth.get("identity");
        Map<String, Object> pw = (Map<String, Object>) ((Map<String, Object>) identity.get("password")).get("user");
        Map<String, Object> scope = (Map<String, Object>) ((Map<String, Object>) auth.getOrDefault("scope", Map.of())).get("project");
        if (!user.equals(pw.get("name")) || !password.equals(pw.get("password"))) {
            send(ex, 401, Map.of("error", Map.of("code", 401, "title", "Unauthorized",
                    "message", "The request you have made requires authentication.")), Map.of());
            return;
        }
        if (scope == null || !project.equals(scope.get("name"))) {
            send(ex, 401, Map.of("error", Map.of("code", 401, "title", "Unauthorized",
                    "message", "User " + user + " has no access to project " + (scope == null ? null : scope.get("name")))), Map.of());
            return;
        }
        String token = "gAAAAA" + UUID.randomUUID().toString().replace("-", "");
        tokens.put(token, user);
        Map<String, Object> domain = Map.of("id", "default", "name", "Default");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("methods", List.of("password"));
        t.put("user", Map.of("id", "u-" + user, "name", user, "domain", domain));
        t.put("audit_ids", List.of(UUID.randomUUID().toString().substring(0, 22)));
        t.put("expires_at", Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString().replace("Z", ".000000Z"));
        t.put("issued_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace("Z", ".000000Z"));
        t.put("project", Map.of("id", "p-" + project, "name", project, "domain", domain));
        t.put("is_domain", false);
        t.put("roles", List.of(Map.of("id", "r1", "name", "member"), Map.of("id", "r2", "name", "reader")));
        t.put("catalog", List.of(
                Map.of("id", "c1", "type", "compute", "name", "nova", "endpoints", List.of(
                        Map.of("id", "e1", "interface", "public", "region", "RegionOne", "region_id", "RegionOne", "url", base() + computePath))),
                Map.of("id", "c2", "type", "identity", "name", "keystone", "endpoints", List.of(
                        Map.of("id", "e2", "interface", "public", "region", "RegionOne", "region_id", "RegionOne", "url", authUrl())))));
        send(ex, 201, Map.of("token", t), Map.of("X-Subject-Token", token));
    }

    @SuppressWarnings("unchecked")
    private synchronized void nova(HttpExchange ex, String method, String path, byte[] body) throws IOException {
        String[] s = path.substring(1).split("/");
        switch (s[0]) {
            case "flavors" -> send(ex, 200, Map.of("flavors", flavors), Map.of());
            case "images" -> send(ex, 200, Map.of("images", images), Map.of());
            case "os-keypairs" -> {
                if (method.equals("GET")) {
                    List<Object> list = new ArrayList<>();
                    keypairs.values().forEach(k -> list.add(Map.of("keypair", k)));
                    send(ex, 200, Map.of("keypairs", list), Map.of());
                } else if (method.equals("POST")) {
                    Map<String, Object> k = (Map<String, Object>) JSON.readValue(body, Map.class).get("keypair");
                    String name = (String) k.get("name");
                    if (keypairs.containsKey(name)) throw new NovaError(409, "conflictingRequest", "Key pair '" + name + "' already exists.");
                    String pub = (String) k.get("public_key");
                    if (pub == null || !pub.startsWith("ssh-")) throw new NovaError(400, "badRequest", "Keypair data is invalid: failed to generate fingerprint");
                    Map<String, Object> kp = new LinkedHashMap<>();
                    kp.put("name", name);
                    kp.put("public_key", pub);
                    kp.put("fingerprint", "a1:b2:" + Integer.toHexString(pub.hashCode()));
                    kp.put("type", "ssh");
                    keypairs.put(name, kp);
                    Map<String, Object> answer = new LinkedHashMap<>(kp);
                    answer.put("user_id", "u-" + user);
                    send(ex, 200, Map.of("keypair", answer), Map.of());
                } else {
                    throw new NovaError(405, "badMethod", method);
                }
            }
            case "servers" -> servers(ex, method, s, body);
            default -> throw new NovaError(404, "itemNotFound", "The resource could not be found.");
        }
    }

    @SuppressWarnings("unchecked")
    private void servers(HttpExchange ex, String method, String[] s, byte[] body) throws IOException {
        if (s.length == 1 && method.equals("POST")) {
            Map<String, Object> req = (Map<String, Object>) JSON.readValue(body, Map.class).get("server");
            String imageRef = (String) req.get("imageRef");
            String flavorRef = (String) req.get("flavorRef");
            if (images.stream().noneMatch(i -> i.get("id").equals(imageRef))) throw new NovaError(400, "badRequest", "Can not find requested image");
            if (flavors.stream().noneMatch(f -> f.get("id").equals(flavorRef))) throw new NovaError(400, "badRequest", "Flavor " + flavorRef + " could not be found.");
            String key = (String) req.get("key_name");
            if (key != null && !keypairs.containsKey(key)) throw new NovaError(400, "badRequest", "Invalid key_name provided.");
            long live = servers.size();
            if (live >= instanceQuota) {
                throw new NovaError(403, "forbidden", "Quota exceeded for instances: Requested 1, but already used " + live + " of " + instanceQuota + " instances");
            }
            String id = UUID.randomUUID().toString();
            Map<String, Object> srv = new LinkedHashMap<>();
            srv.put("id", id);
            srv.put("name", req.get("name"));
            srv.put("status", "BUILD");
            srv.put("tenant_id", "p-" + project);
            srv.put("user_id", "u-" + user);
            srv.put("metadata", req.getOrDefault("metadata", Map.of()));
            srv.put("hostId", "");
            srv.put("image", Map.of("id", imageRef, "links", List.of(Map.of("rel", "bookmark", "href", base() + "/compute/images/" + imageRef))));
            srv.put("flavor", Map.of("id", flavorRef, "links", List.of(Map.of("rel", "bookmark", "href", base() + "/compute/flavors/" + flavorRef))));
            srv.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            srv.put("updated", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            srv.put("addresses", Map.of());
            srv.put("accessIPv4", "");
            srv.put("accessIPv6", "");
            srv.put("key_name", key);
            srv.put("security_groups", List.of(Map.of("name", req.get("security_groups") == null ? "default"
                    : ((List<Map<String, Object>>) req.get("security_groups")).get(0).get("name"))));
            srv.put("OS-EXT-STS:vm_state", "building");
            srv.put("OS-EXT-STS:task_state", "scheduling");
            srv.put("OS-EXT-STS:power_state", 0);
            srv.put("links", List.of(Map.of("rel", "self", "href", base() + "/compute/v2.1/servers/" + id)));
            servers.put(id, srv);
            send(ex, 202, Map.of("server", Map.of("id", id, "links", srv.get("links"), "OS-DCF:diskConfig", "MANUAL",
                    "security_groups", srv.get("security_groups"), "adminPass", "Zx9" + id.substring(0, 8))), Map.of());
            return;
        }
        if (s.length == 2 && s[1].equals("detail") && method.equals("GET")) {
            List<Object> list = new ArrayList<>();
            for (Map<String, Object> srv : servers.values()) list.add(look(srv));
            send(ex, 200, Map.of("servers", list), Map.of());
            return;
        }
        Map<String, Object> srv = s.length > 1 ? servers.get(s[1]) : null;
        if (srv == null) throw new NovaError(404, "itemNotFound", "Instance " + (s.length > 1 ? s[1] : "") + " could not be found.");
        if (s.length == 2 && method.equals("GET")) {
            send(ex, 200, Map.of("server", look(srv)), Map.of());
        } else if (s.length == 2 && method.equals("DELETE")) {
            servers.remove(s[1]);
            sendEmpty(ex, 204);
        } else if (s.length == 3 && s[2].equals("action") && method.equals("POST")) {
            Map<String, Object> action = JSON.readValue(body, Map.class);
            String status = (String) srv.get("status");
            if (action.containsKey("os-stop")) {
                if (!status.equals("ACTIVE")) throw new NovaError(409, "conflictingRequest", "Cannot 'stop' instance " + s[1] + " while it is in vm_state " + vmState(status));
                set(srv, "SHUTOFF", "stopped", 4);
            } else if (action.containsKey("os-start")) {
                if (!status.equals("SHUTOFF")) throw new NovaError(409, "conflictingRequest", "Cannot 'start' instance " + s[1] + " while it is in vm_state " + vmState(status));
                set(srv, "ACTIVE", "active", 1);
            } else {
                throw new NovaError(400, "badRequest", "There is no such action: " + action.keySet());
            }
            sendEmpty(ex, 202);
        } else {
            throw new NovaError(405, "badMethod", "Method not allowed");
        }
    }

    private static String vmState(String status) {
        return switch (status) {
            case "SHUTOFF" -> "stopped";
            case "BUILD" -> "building";
            default -> "active";
        };
    }

    /** A server as Nova shows it; one that was building is active by the time anyone looks again. */
    private Map<String, Object> look(Map<String, Object> srv) {
        if ("BUILD".equals(srv.get("status"))) {
            set(srv, "ACTIVE", "active", 1);
            int n = Math.abs(srv.get("id").hashCode() % 200) + 10;
            List<Object> addrs = new ArrayList<>();
            addrs.add(Map.of("version", 4, "addr", "10.0.0." + n, "OS-EXT-IPS:type", "fixed", "OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:" + Integer.toHexString(n)));
            if (floatingIp != null) addrs.add(Map.of("version", 4, "addr", floatingIp, "OS-EXT-IPS:type", "floating", "OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:" + Integer.toHexString(n)));
            srv.put("addresses", Map.of("private", addrs));
        }
        return srv;
    }

    private static void set(Map<String, Object> srv, String status, String vmState, int power) {
        srv.put("status", status);
        srv.put("OS-EXT-STS:vm_state", vmState);
        srv.put("OS-EXT-STS:task_state", null);
        srv.put("OS-EXT-STS:power_state", power);
        srv.put("updated", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private static void send(HttpExchange ex, int status, Object json, Map<String, String> headers) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("X-Openstack-Request-Id", "req-" + UUID.randomUUID());
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sendEmpty(HttpExchange ex, int status) throws IOException {
        ex.getResponseHeaders().set("X-Openstack-Request-Id", "req-" + UUID.randomUUID());
        ex.sendResponseHeaders(status, -1);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
