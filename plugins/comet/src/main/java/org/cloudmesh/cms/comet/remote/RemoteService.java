package org.cloudmesh.cms.comet.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.DirectService;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.iso.Isos;
import org.cloudmesh.cms.comet.power.PowerAction;
import org.cloudmesh.cms.comet.reconcile.Change;
import org.cloudmesh.cms.comet.rest.Json;
import org.cloudmesh.cms.comet.rest.Nucleus;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;

/**
 * The comet operations through a {@code cms server}: the Nucleus-compatible API ({@link Nucleus}), every request
 * signed with the API key from {@code comet init} ({@link RequestSigner}). The server runs the same code as the
 * shell in direct mode and answers with its messages, so a command prints the same here. An endpoint of
 * {@code kind: remote} in cloudmesh.yaml:
 * <pre>
 * cloudmesh.comet.endpoints.NAME: {kind: remote, url: https://HOST:PORT, user: U, api_key: K, api_secret: S}
 * </pre>
 */
public final class RemoteService implements CometService {
    public static final String KIND = "remote";
    /**
     * Made on first request, not when a command only asks {@link #isRemote}: an HttpClient builds its TLS context
     * and keeps a selector thread (about 0.2 s at start and 0.3 s at exit of a local command).
     */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        static final ObjectMapper JSON = new ObjectMapper();
    }

    private static final List<CsState> ACTIVE = java.util.Arrays.stream(CsState.values()).filter(CsState::active).toList();

    private final String name;
    private final String url;
    private final RequestSigner signer;
    /** Nodes that came with the last cluster listing, used once (a listing must not pay a request per cluster). */
    private final Map<String, List<Node>> nodes = new HashMap<>();
    /** What comet watch saw in the previous round: id → state. */
    private Map<Long, Computeset> seen;

    RemoteService(String name, String url, RequestSigner signer) {
        this.name = name;
        this.url = url.replaceAll("/+$", "");
        this.signer = signer;
    }

    /** Whether endpoint {@code name} of cloudmesh.yaml is a cms server ({@code kind: remote}). */
    public static boolean isRemote(Config config, String name) {
        return name != null && KIND.equals(config.getString(Endpoint.ROOT + ".endpoints." + name + ".kind").orElse(null));
    }

    public static RemoteService open(Config config, String name) {
        String at = Endpoint.ROOT + ".endpoints." + name;
        String url = config.getString(at + ".url").orElse(null);
        if (url == null || !url.matches("https?://[^\\s]+")) {
            throw new CmsException(at + ".url is missing or not an http(s) URL: run 'comet init'");
        }
        String key = config.getString(at + ".api_key").orElse(null);
        String secret = config.getString(at + ".api_secret").orElse(null);
        if (key == null || secret == null) {
            throw new CmsException("endpoint '" + name + "' has no API key yet: run 'comet init' to get one from " + url);
        }
        return new RemoteService(name, url, new RequestSigner(key, secret));
    }

    @Override
    public String name() {
        return name;
    }

    // ---- HTTP -------------------------------------------------------------------------------------------------

    record Reply(int status, byte[] body, String location) {
    }

    /** A path segment as sent: percent-encoded (hostlists carry brackets). */
    static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(Map<String, String> q) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        q.forEach((k, v) -> {
            if (v != null) j.add(seg(k) + "=" + seg(v));
        });
        return j.toString();
    }

    Reply send(String method, String path, byte[] body, String contentType, String otp) {
        String target = Nucleus.BASE + path;
        URI uri = URI.create(url + target);
        String signed = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Accept", "application/json");
        if (contentType != null) b.header("Content-Type", contentType);
        signer.sign(method, signed, body).forEach(b::header);
        if (otp != null) b.header(RequestSigner.OTP, otp);
        HttpResponse<byte[]> r;
        try {
            r = Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException | ConnectException x) {
            throw new CmsException("cannot reach the cms server at " + url + " (" + why(x)
                    + "): is 'cms server start' running there? (endpoint " + name + ")", x);
        } catch (HttpTimeoutException x) {
            throw new CmsException("the cms server at " + url + " did not answer " + method + " " + path + " in time", x);
        } catch (IOException x) {
            throw new CmsException("cannot talk to the cms server at " + url + ": " + why(x), x);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted", x);
        }
        if (r.statusCode() >= 400) throw error(r.statusCode(), r.body());
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(null));
    }

    private static String why(Exception x) {
        String m = x.getMessage();
        if (m == null && x.getCause() != null) m = x.getCause().getMessage();
        return m == null ? x.getClass().getSimpleName() : m;
    }

    /** The server's one-line message ({"code", "message", "field"}) as the error a command shows. */
    CmsException error(int status, byte[] body) {
        String message = null;
        try {
            Object o = Http.JSON.readValue(body, Object.class);
            if (o instanceof Map<?, ?> m && m.get("message") != null) message = String.valueOf(m.get("message"));
        } catch (IOException ignored) {
            // not JSON: say the status
        }
        if (status == 401) {
            return new CmsException("the cms server at " + url + " refused the request (" + (message == null ? "401" : message)
                    + "): run 'comet init' to get a new API key");
        }
        if (status == 404 && message != null && message.startsWith("no route ")) {
            return new CmsException("the cms server at " + url + " has no comet API (" + message
                    + "): is the comet plugin installed there?");
        }
        return new CmsException(message != null ? message : "the cms server at " + url + " answered HTTP " + status);
    }

    Object call(String method, String path, Object body) {
        byte[] bytes = null;
        if (body != null) {
            try {
                bytes = Http.JSON.writeValueAsBytes(body);
            } catch (IOException x) {
                throw new CmsException("cannot write the request: " + x.getMessage(), x);
            }
        }
        Reply r = send(method, path, bytes, body == null ? null : "application/json", null);
        return parse(r.body());
    }

    static Object parse(byte[] body) {
        if (body == null || body.length == 0) return null;
        try {
            return Http.JSON.readValue(body, Object.class);
        } catch (IOException x) {
            throw new CmsException("the cms server's answer is not JSON: " + x.getMessage(), x);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    static List<Object> list(Object o) {
        return o instanceof List<?> l ? new ArrayList<>(l) : List.of();
    }

    // ---- the operations ---------------------------------------------------------------------------------------

    @Override
    public List<Change> refresh(PrintWriter warn) {
        return List.of();   // the server reconciles before it answers
    }

    @Override
    public List<Change> reconcile() {
        Map<Long, Computeset> now = new LinkedHashMap<>();
        for (Computeset c : computesets(null, ACTIVE, null)) now.put(c.id(), c);
        List<Change> changes = new ArrayList<>();
        if (seen != null) {
            for (Computeset before : seen.values()) {
                Computeset after = now.containsKey(before.id()) ? now.get(before.id()) : computeset(before.id());
                if (after.state() != before.state()) {
                    changes.add(new Change(after.id(), before.state(), after.state(),
                            after.state() == CsState.RUNNING ? after.hosts() : after.reason()));
                }
            }
            for (Computeset c : now.values()) {
                if (!seen.containsKey(c.id())) changes.add(new Change(c.id(), null, c.state(), c.reason()));
            }
        }
        seen = now;
        return changes;
    }

    @Override
    public List<Cluster> clusters() {
        List<Cluster> out = new ArrayList<>();
        for (Object o : list(call("GET", "/cluster", null))) {
            Map<String, Object> m = map(o);
            Cluster c = Json.cluster(m);
            nodes.put(c.name(), Json.nodes(m));
            out.add(c);
        }
        return out;
    }

    @Override
    public Cluster cluster(String cluster) {
        Names.require("cluster", cluster);
        Map<String, Object> m = map(call("GET", "/cluster/" + seg(cluster), null));
        Cluster c = Json.cluster(m);
        nodes.put(c.name(), Json.nodes(m));
        return c;
    }

    @Override
    public List<Node> nodes(String cluster) {
        List<Node> l = nodes.remove(cluster);
        if (l != null) return l;
        return Json.nodes(map(call("GET", "/cluster/" + seg(cluster), null)));
    }

    @Override
    public List<Computeset> computesets(String cluster, Collection<CsState> states, String allocation) {
        if (states != null && states.isEmpty()) return List.of();
        StringJoiner s = new StringJoiner(",");
        if (states == null) s.add("all");
        else for (CsState x : states) s.add(x.label());
        Map<String, String> q = new LinkedHashMap<>();
        q.put("state", s.toString());
        q.put("cluster", cluster);
        q.put("allocation", allocation);
        List<Computeset> out = new ArrayList<>();
        for (Object o : list(call("GET", "/computeset" + query(q), null))) out.add(Json.computeset(map(o)));
        return out;
    }

    @Override
    public Computeset computeset(long id) {
        return Json.computeset(map(call("GET", "/computeset/" + id, null)));
    }

    @Override
    public Cluster createCluster(ClusterRequest r) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", r.name());
        b.put("computes", r.computes());
        b.put("cpus", r.cpus());
        b.put("memory", r.memoryMb());
        b.put("disksize", r.diskGb());
        b.put("project", r.project());
        b.put("allocations", r.allocations());
        b.put("owner", r.owner());
        b.put("description", r.description());
        return Json.cluster(map(call("POST", "/cluster", b)));
    }

    @Override
    public void deleteCluster(String cluster) {
        call("DELETE", "/cluster/" + seg(Names.require("cluster", cluster)), null);
    }

    @Override
    public Computeset start(StartRequest r) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("cluster", r.cluster());
        if (r.nodes() != null) b.put("computes", r.nodes());   // the names as a list: the server takes them as they are
        else b.put("count", String.valueOf(r.count()));
        b.put("walltime_mins", String.valueOf(r.walltimeMins()));
        b.put("allocation", r.allocation());
        b.put("reservation", r.reservation());
        b.put("begin", r.begin());
        return Json.computeset(map(call("POST", "/computeset", b)));
    }

    @Override
    public Computeset extend(long id, java.time.Duration by) {
        return Json.computeset(map(call("POST", "/computeset/" + id + "/extend", Map.of("by", org.cloudmesh.cms.api.util.Walltime.minutes(by) + "m"))));
    }

    @Override
    public List<org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation> reservations() {
        List<org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation> out = new ArrayList<>();
        for (Object o : list(call("GET", "/reservation", null))) out.add(Json.reservation(map(o)));
        return out;
    }

    @Override
    public void createReservation(org.cloudmesh.cms.comet.lifetime.Lifetime.ReservationRequest r) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("name", r.name());
        b.put("nodes", r.nodes());
        b.put("start", r.start());
        b.put("duration", org.cloudmesh.cms.api.util.Walltime.minutes(r.duration()) + "m");
        b.put("accounts", r.accounts());
        call("POST", "/reservation", b);
    }

    @Override
    public void deleteReservation(String name) {
        call("DELETE", "/reservation/" + seg(Names.require("reservation", name)), null);
    }

    @Override
    public Computeset terminate(long id) {
        return Json.computeset(map(call("PUT", "/computeset/" + id + "/shutdown", null)));
    }

    static String action(PowerAction a) {
        return switch (a) {
            case ON -> "poweron";
            case OFF -> "poweroff";
            default -> a.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    @Override
    public List<String> power(String cluster, PowerAction a, String target) {
        String c = "/cluster/" + seg(Names.require("cluster", cluster));
        String path = target == null ? c + "/frontend/" + action(a)
                : target.matches("[0-9]{1,18}") ? c + "/computeset/" + target + "/" + action(a)
                : c + "/compute/" + seg(target) + "/" + action(a);
        List<String> done = new ArrayList<>();
        for (Object o : list(map(call("PUT", path, null)).get("nodes"))) done.add(String.valueOf(o));
        return done;
    }

    static String node(String cluster, String node) {
        return "/cluster/" + seg(Names.require("cluster", cluster)) + (node == null ? "/frontend" : "/compute/" + seg(node));
    }

    @Override
    public Map<String, Object> nodeInfo(String cluster, String node) {
        if (node != null) Names.require("node", node);
        return new LinkedHashMap<>(map(call("GET", node(cluster, node), null)));
    }

    @Override
    public List<Isos.Iso> isos() {
        List<Isos.Iso> out = new ArrayList<>();
        for (Object o : list(call("GET", "/image?detail=true", null))) out.add(Json.iso(map(o)));
        return out;
    }

    @Override
    public Isos.Iso uploadIso(Path file, String isoName) {
        String n = Isos.check(file, isoName);
        byte[] body;
        try {
            body = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError x) {
            throw new CmsException("cannot read " + file + ": " + x.getMessage());
        }
        Reply r = send("POST", "/image" + query(Map.of("name", n)), body, "application/octet-stream", null);
        return Json.iso(map(parse(r.body())));
    }

    @Override
    public List<Isos.Change> attachIso(String iso, String cluster, String hostlist) {
        List<Isos.Change> out = new ArrayList<>();
        String q = query(Map.of("iso_name", iso == null ? "" : iso));
        for (Object o : list(call("PUT", node(cluster, hostlist) + "/attach_iso" + q, null))) out.add(Json.change(map(o)));
        return out;
    }

    private Map<String, String> rename(String cluster, String oldNames, String newNames, boolean check) {
        Map<String, String> out = new LinkedHashMap<>();
        String path = "/cluster/" + seg(Names.require("cluster", cluster)) + "/compute/" + seg(oldNames) + "/rename"
                + (check ? "?check=true" : "");
        map(call("POST", path, Map.of("name", newNames))).forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    @Override
    public Map<String, String> renamePlan(String cluster, String oldNames, String newNames) {
        return rename(cluster, oldNames, newNames, true);
    }

    @Override
    public Map<String, String> rename(String cluster, String oldNames, String newNames) {
        return rename(cluster, oldNames, newNames, false);
    }

    @Override
    public String consoleLink(String cluster, String node, String oneTimeCode) {
        return link(cluster, node, "", "a console link", oneTimeCode)
                + " (works once, within " + org.cloudmesh.cms.api.console.ConsoleLinks.TTL.toSeconds() + " s)";
    }

    /** A one-time console link (the page of {@code what}) the server makes on a fresh one-time code. */
    private URI link(String cluster, String node, String query, String what, String oneTimeCode) {
        if (node != null) Names.require("node", node);
        if (oneTimeCode == null || !oneTimeCode.strip().matches("[0-9]{6,8}")) {
            throw new CmsException(what + " needs a fresh one-time code: give --otp CODE (6 digits from your authenticator)");
        }
        Reply r = send("GET", node(cluster, node) + "/console" + query, null, null, oneTimeCode.strip());
        if (r.status() != 303 || r.location() == null) {
            throw new CmsException("the cms server at " + url + " gave no console link (HTTP " + r.status() + ")");
        }
        // the page is at the server's root (/console/TOKEN), whatever path the API has
        return URI.create(url).resolve(r.location());
    }

    /**
     * The WebSocket ({@code ws://} or {@code wss://}) of a running node's serial console through the server: a
     * one-time link (it needs a fresh one-time code, as a console link does), opened at once.
     */
    public URI serialConsole(String cluster, String node, String oneTimeCode) {
        URI page = link(cluster, node, "?serial=true", "the serial console through a server", oneTimeCode);
        HttpResponse<String> p;
        try {
            p = Http.CLIENT.send(HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException x) {
            throw new CmsException("cannot talk to the cms server at " + url + ": " + why(x), x);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted", x);
        }
        if (p.statusCode() != 200) {
            // a refusal is a plain page; its reason is the paragraph 'refusal'
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<p id=\"refusal\">(.*?)</p>").matcher(p.body());
            throw new CmsException(m.find() ? m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                    .replace("&amp;", "&") : "the cms server refused the serial console (HTTP " + p.statusCode() + ")");
        }
        String session;
        try {
            session = Http.JSON.readTree(p.body()).path("session").asText();
        } catch (IOException x) {
            throw new CmsException("the cms server at " + url + " answered the serial console link with something else than JSON", x);
        }
        String ws = (page.getScheme().equals("https") ? "wss://" : "ws://") + page.getRawAuthority();
        return URI.create(ws).resolve(session);
    }

    @Override
    public DirectService direct() {
        throw new CmsException("this works only on the management node: endpoint '" + name + "' is a cms server at " + url
                + " (kind: remote); choose a direct endpoint with --endpoint or 'comet active'");
    }
}
