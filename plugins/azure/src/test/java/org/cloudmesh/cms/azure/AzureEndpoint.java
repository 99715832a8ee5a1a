package org.cloudmesh.cms.azure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A local Azure for tests, over HTTPS with a certificate made by keytool at start (its PEM is {@link #cacert}): the
 * Microsoft identity platform token endpoint ({@code POST /{tenant}/oauth2/v2.0/token}, client credentials) and
 * Azure Resource Manager JSON REST for the calls the azure provider makes — resource groups, virtual networks, public
 * IP addresses, network interfaces, virtual machines (with {@code $expand=instanceView}, {@code start},
 * {@code powerOff}, delete with {@code deleteOption}) and ssh public keys. Writes are long-running operations as ARM
 * runs them: {@code 201/202} with {@code Azure-AsyncOperation} (and {@code Location} for POST and DELETE) headers,
 * the operation {@code InProgress} at the first poll and {@code Succeeded} at the next. Errors are ARM's
 * {@code {"error":{"code","message"}}}; sign-in errors are AADSTS JSON. Resource Manager may be served under a path
 * ({@link #prefix}, e.g. {@code /arm/} behind a reverse proxy; the sign-in stays at {@code /{tenant}/oauth2/...} of
 * the host, as authorities have no path); any other path gets the proxy's HTML 404 page.
 */
final class AzureEndpoint implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> IMAGES = Set.of("canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest", "debian:debian-12:12:latest");
    static final Set<String> SIZES = Set.of("standard_b1s", "standard_b2s", "standard_d2s_v5");

    final String tenant;
    final String subscription;
    final String clientId;
    final String secret;
    final String prefix;
    final HttpsServer server;
    final Path cacert;
    final Map<String, Map<String, Object>> resources = new ConcurrentHashMap<>(); // lower-case id -> resource JSON
    final Map<String, Op> ops = new ConcurrentHashMap<>();
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Set<String> tokens = ConcurrentHashMap.newKeySet();
    final AtomicInteger tokenRequests = new AtomicInteger();
    final AtomicInteger ipCounter = new AtomicInteger();
    volatile int vmLimit = 20;
    volatile String publicIp = null; // null: 20.0.0.N
    volatile long delayMillis = 0;
    /** False: the host serves no sign-in (its token path is the proxy's HTML 404, as for a wrong authority). */
    volatile boolean serveSignIn = true;
    /** Seconds a client is told to wait between polls (ARM says 10 and more; 0 makes the SDK wait its default 30). */
    volatile int retryAfterSeconds = 1;

    String retryAfter() {
        return Integer.toString(retryAfterSeconds);
    }

    /** A long-running operation: polls left before it is done, and what the cloud does then. */
    static final class Op {
        final String id;
        final String location;
        final String namespace;
        int pollsLeft = 1;
        boolean done;
        final Runnable onDone;

        Op(String id, String location, String namespace, Runnable onDone) {
            this.id = id;
            this.location = location;
            this.namespace = namespace;
            this.onDone = onDone;
        }
    }

    AzureEndpoint(Path dir, String tenant, String subscription, String clientId, String secret) throws Exception {
        this(dir, tenant, subscription, clientId, secret, "/");
    }

    /** Served under {@code prefix} (starts and ends with a slash). */
    AzureEndpoint(Path dir, String tenant, String subscription, String clientId, String secret, String prefix) throws Exception {
        this.prefix = prefix;
        this.tenant = tenant;
        this.subscription = subscription;
        this.clientId = clientId;
        this.secret = secret;
        Path p12 = dir.resolve("arm.p12");
        cacert = dir.resolve("arm.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "arm", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "arm", "-keystore", p12.toString(), "-storepass", "changeit", "-file", cacert.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/", this::handle);
        server.start();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("keytool failed: " + out);
    }

    String url() {
        return root() + prefix;
    }

    String root() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    static final class ArmError extends RuntimeException {
        final int status;
        final String code;

        ArmError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            Map<String, String> query = form(uri.getRawQuery());
            byte[] body = ex.getRequestBody().readAllBytes();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
            String path = uri.getPath();
            boolean signIn = serveSignIn && path.endsWith("/oauth2/v2.0/token") && path.indexOf('/', 1) == path.indexOf("/oauth2/");
            if (!signIn && !path.startsWith(prefix)) {
                // the reverse proxy in front of the services knows no such path
                byte[] page = ("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1>\n"
                        + "<p>The requested URL " + path + " was not found on this server.</p></body></html>\n").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/html");
                ex.sendResponseHeaders(404, page.length);
                ex.getResponseBody().write(page);
                return;
            }
            if (!signIn) path = path.substring(prefix.length() - 1);
            calls.add(method + " " + uri.getPath() + (query.containsKey("$expand") ? "?$expand=" + query.get("$expand") : ""));
            if (Boolean.getBoolean("azure.trace")) System.err.println(Instant.now() + " " + method + " " + uri + (path.endsWith("/token") ? " " + new String(body, StandardCharsets.UTF_8).replaceAll("client_secret=[^&]*", "client_secret=...") : ""));
            try {
                if (path.endsWith("/oauth2/v2.0/token")) {
                    token(ex, path, new String(body, StandardCharsets.UTF_8));
                    return;
                }
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
                    throw new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.");
                }
                if (!query.containsKey("api-version")) {
                    throw new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
                }
                arm(ex, method, path, query, body);
            } catch (ArmError e) {
                send(ex, e.status, Map.of("error", Map.of("code", e.code, "message", e.getMessage())), Map.of());
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            throw e;
        }
    }

    private void token(HttpExchange ex, String path, String body) throws IOException {
        tokenRequests.incrementAndGet();
        Map<String, String> f = form(body);
        String t = path.substring(1, path.indexOf('/', 1));
        if (!t.equals(tenant)) {
            sendAad(ex, 400, "invalid_request", "AADSTS90002: Tenant '" + t + "' not found. Check to make sure you have the correct tenant ID.", 90002);
        } else if (!"client_credentials".equals(f.get("grant_type")) || f.get("scope") == null || !f.get("scope").contains("/.default")) {
            if (Boolean.getBoolean("azure.trace")) System.err.println("token request " + f.keySet() + " scope=" + f.get("scope") + " grant=" + f.get("grant_type"));
            sendAad(ex, 400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.", 900144);
        } else if (!clientId.equals(f.get("client_id"))) {
            sendAad(ex, 400, "unauthorized_client", "AADSTS700016: Application with identifier '" + f.get("client_id")
                    + "' was not found in the directory '" + tenant + "'.", 700016);
        } else if (!secret.equals(f.get("client_secret"))) {
            sendAad(ex, 401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the"
                    + " request is the client secret value, not the client secret ID, for a secret added to app '" + clientId + "'.", 7000215);
        } else {
            String token = "eyJ0eXAiOiJKV1QifQ." + UUID.randomUUID();
            tokens.add(token);
            send(ex, 200, Map.of("token_type", "Bearer", "expires_in", 3599, "ext_expires_in", 3599, "access_token", token), Map.of());
        }
    }

    private void sendAad(HttpExchange ex, int status, String error, String description, int code) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", error);
        m.put("error_description", description + "\r\nTrace ID: " + UUID.randomUUID() + "\r\nCorrelation ID: " + UUID.randomUUID()
                + "\r\nTimestamp: " + Instant.now());
        m.put("error_codes", List.of(code));
        m.put("timestamp", Instant.now().toString());
        m.put("trace_id", UUID.randomUUID().toString());
        m.put("correlation_id", UUID.randomUUID().toString());
        send(ex, status, m, Map.of());
    }

    @SuppressWarnings("unchecked")
    private synchronized void arm(HttpExchange ex, String method, String path, Map<String, String> query, byte[] body) throws IOException {
        String[] s = path.substring(1).split("/");
        // /subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{id}: operation status
        if (s.length == 8 && s[0].equals("subscriptions") && s[2].equals("providers") && s[6].equals("operations")) {
            Op op = ops.get(s[7]);
            if (op == null) throw new ArmError(404, "NotFound", "The operation '" + s[7] + "' was not found.");
            if (!op.done) {
                if (op.pollsLeft-- <= 0) finish(op);
            }
            if (query.containsKey("monitor")) { // the Location URL: 202 while running, 200 with no body when done
                if (op.done) sendEmpty(ex, 200, Map.of());
                else sendEmpty(ex, 202, Map.of("Location", opUrl(op) + "&monitor=true", "Retry-After", retryAfter()));
                return;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("startTime", Instant.now().toString());
            if (op.done) m.put("endTime", Instant.now().toString());
            m.put("status", op.done ? "Succeeded" : "InProgress");
            m.put("name", op.id);
            send(ex, 200, m, op.done ? Map.of() : Map.of("Retry-After", retryAfter()));
            return;
        }
        if (s.length < 4 || !s[0].equals("subscriptions") || !s[2].equalsIgnoreCase("resourcegroups")) {
            throw new ArmError(404, "InvalidResourceType", "The resource type could not be found in the namespace for api version.");
        }
        if (!s[1].equals(subscription)) {
            throw new ArmError(404, "SubscriptionNotFound", "The subscription '" + s[1] + "' could not be found.");
        }
        String rg = s[3];
        String rgId = "/subscriptions/" + subscription + "/resourceGroups/" + rg;
        if (s.length == 4) {
            if (!method.equals("PUT")) throw new ArmError(405, "MethodNotAllowed", method);
            Map<String, Object> req = JSON.readValue(body, Map.class);
            boolean existed = resources.containsKey(lower(rgId));
            Map<String, Object> r = resource(rgId, rg, "Microsoft.Resources/resourceGroups", (String) req.get("location"));
            r.put("properties", new LinkedHashMap<>(Map.of("provisioningState", "Succeeded")));
            resources.put(lower(rgId), r);
            send(ex, existed ? 200 : 201, r, Map.of());
            return;
        }
        if (s.length < 7 || !s[4].equals("providers")) throw new ArmError(400, "InvalidRequestUri", path);
        String type = s[5] + "/" + s[6];
        if (!resources.containsKey(lower(rgId))) {
            if (method.equals("GET") || method.equals("PUT") || method.equals("POST")) {
                throw new ArmError(404, "ResourceGroupNotFound", "Resource group '" + rg + "' could not be found.");
            }
        }
        String collection = rgId + "/providers/" + type;
        if (s.length == 7) { // list
            if (!method.equals("GET")) throw new ArmError(405, "MethodNotAllowed", method);
            boolean expand = "instanceView".equalsIgnoreCase(query.get("$expand"));
            List<Object> value = new ArrayList<>();
            for (Map<String, Object> r : List.copyOf(resources.values())) {
                String id = (String) r.get("id");
                if (lower(id).startsWith(lower(collection) + "/") && id.substring(collection.length() + 1).indexOf('/') < 0) {
                    if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) value.add(vmView(r, expand));
                    else value.add(r);
                }
            }
            send(ex, 200, Map.of("value", value), Map.of());
            return;
        }
        String name = s[7];
        String id = collection + "/" + name;
        String action = s.length > 8 ? s[8] : null;
        Map<String, Object> existing = resources.get(lower(id));
        switch (method) {
            case "GET" -> {
                if (existing == null) notFound(type, name, rg);
                send(ex, 200, type.equalsIgnoreCase("Microsoft.Compute/virtualMachines") ? vmView(existing, action != null) : existing, Map.of());
            }
            case "PUT" -> {
                Map<String, Object> req = JSON.readValue(body, Map.class);
                put(ex, type, rg, rgId, id, name, req, existing);
            }
            case "DELETE" -> {
                if (existing == null) {
                    sendEmpty(ex, 204, Map.of());
                    return;
                }
                setProvisioning(existing, "Deleting");
                Op op = op(s[5], (String) existing.get("location"), () -> delete(existing));
                if (s[5].equals("Microsoft.Network")) op.pollsLeft = 0; // a NIC or an address goes at once
                sendEmpty(ex, 202, Map.of("Azure-AsyncOperation", opUrl(op), "Location", opUrl(op) + "&monitor=true", "Retry-After", retryAfter()));
            }
            case "POST" -> {
                if (existing == null) notFound(type, name, rg);
                if (!type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) throw new ArmError(400, "InvalidRequestUri", path);
                Map<String, Object> props = (Map<String, Object>) existing.get("properties");
                String power = (String) props.get("x-power");
                Op op;
                switch (action == null ? "" : action) {
                    case "start" -> {
                        props.put("x-power", "starting");
                        op = op(s[5], (String) existing.get("location"), () -> props.put("x-power", "running"));
                    }
                    case "powerOff" -> {
                        props.put("x-power", "stopping");
                        op = op(s[5], (String) existing.get("location"), () -> props.put("x-power", "stopped"));
                    }
                    default -> throw new ArmError(404, "InvalidResourceType", "The resource type '" + action + "' could not be found.");
                }
                if (power == null) throw new ArmError(409, "OperationNotAllowed", "The VM is still being created.");
                sendEmpty(ex, 202, Map.of("Azure-AsyncOperation", opUrl(op), "Location", opUrl(op) + "&monitor=true", "Retry-After", retryAfter()));
            }
            default -> throw new ArmError(405, "MethodNotAllowed", method);
        }
    }

    @SuppressWarnings("unchecked")
    private void put(HttpExchange ex, String type, String rg, String rgId, String id, String name, Map<String, Object> req,
                     Map<String, Object> existing) throws IOException {
        String location = (String) req.get("location");
        if (location == null) throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
        Map<String, Object> props = req.get("properties") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        Map<String, Object> r = resource(id, name, type, location);
        if (req.get("tags") != null) r.put("tags", req.get("tags"));
        String ns = type.substring(0, type.indexOf('/'));
        switch (type.toLowerCase(Locale.ROOT)) {
            case "microsoft.network/virtualnetworks" -> {
                List<Object> subnets = new ArrayList<>();
                for (Object o : (List<Object>) props.getOrDefault("subnets", List.of())) {
                    Map<String, Object> sn = new LinkedHashMap<>((Map<String, Object>) o);
                    sn.put("id", id + "/subnets/" + sn.get("name"));
                    subnets.add(sn);
                }
                props.put("subnets", subnets);
            }
            case "microsoft.network/publicipaddresses" -> props.put("ipAddress", publicIp != null ? publicIp : "20.0.0." + ipCounter.incrementAndGet());
            case "microsoft.network/networkinterfaces" -> {
                for (Object o : (List<Object>) props.getOrDefault("ipConfigurations", List.of())) {
                    Map<String, Object> c = (Map<String, Object>) o;
                    Map<String, Object> cp = (Map<String, Object>) c.get("properties");
                    String subnet = (String) ((Map<String, Object>) cp.get("subnet")).get("id");
                    if (!subnetExists(subnet)) {
                        throw new ArmError(400, "InvalidResourceReference", "Resource " + subnet + " referenced by resource " + id + " was not found.");
                    }
                    Map<String, Object> pip = (Map<String, Object>) cp.get("publicIPAddress");
                    if (pip != null && !resources.containsKey(lower((String) pip.get("id")))) {
                        throw new ArmError(400, "InvalidResourceReference", "Resource " + pip.get("id") + " referenced by resource " + id + " was not found.");
                    }
                    cp.put("privateIPAddress", "10.0.0." + (4 + ipCounter.incrementAndGet()));
                    c.put("id", id + "/ipConfigurations/" + c.get("name"));
                }
            }
            case "microsoft.compute/virtualmachines" -> vmChecks(id, name, props);
            case "microsoft.compute/sshpublickeys" -> {
                String key = (String) props.get("publicKey");
                if (key == null || !key.startsWith("ssh-")) throw new ArmError(400, "InvalidParameter", "The value of parameter publicKey is invalid.");
                resources.put(lower(id), r);
                r.put("properties", props);
                send(ex, existing == null ? 200 : 200, r, Map.of());
                return;
            }
            default -> throw new ArmError(404, "InvalidResourceType", "The resource type '" + type + "' could not be found in the namespace '" + ns + "'.");
        }
        boolean vm = type.equalsIgnoreCase("Microsoft.Compute/virtualMachines");
        boolean instant = type.equalsIgnoreCase("Microsoft.Network/networkInterfaces") || type.equalsIgnoreCase("Microsoft.Network/publicIPAddresses");
        props.put("provisioningState", vm ? "Creating" : instant ? "Succeeded" : "Updating");
        r.put("properties", props);
        resources.put(lower(id), r);
        Op op = op(ns, location, () -> {
            setProvisioning(r, "Succeeded");
            if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) ((Map<String, Object>) r.get("properties")).put("x-power", "running");
        });
        if (instant) finish(op);
        r.put("x-op", op.id);
        send(ex, existing == null ? 201 : 200, r, Map.of("Azure-AsyncOperation", opUrl(op), "Retry-After", retryAfter()));
    }

    @SuppressWarnings("unchecked")
    private void vmChecks(String id, String name, Map<String, Object> props) {
        Map<String, Object> hw = (Map<String, Object>) props.getOrDefault("hardwareProfile", Map.of());
        String size = String.valueOf(hw.get("vmSize"));
        if (!SIZES.contains(size.toLowerCase(Locale.ROOT))) {
            throw new ArmError(409, "SkuNotAvailable", "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: "
                    + size + "' is currently not available in location 'eastus'. Please try another size or deploy to a different location or different zone.");
        }
        Map<String, Object> img = (Map<String, Object>) ((Map<String, Object>) props.getOrDefault("storageProfile", Map.of())).getOrDefault("imageReference", Map.of());
        String urn = img.get("publisher") + ":" + img.get("offer") + ":" + img.get("sku") + ":" + img.get("version");
        if (!IMAGES.contains(urn.toLowerCase(Locale.ROOT))) {
            throw new ArmError(404, "PlatformImageNotFound", "The platform image '" + urn + "' is not available. Verify that all fields in"
                    + " the storage profile are correct. For more details about storage profile information, please refer to https://aka.ms/storageprofile");
        }
        Map<String, Object> os = (Map<String, Object>) props.getOrDefault("osProfile", Map.of());
        if ("root".equals(os.get("adminUsername"))) {
            throw new ArmError(400, "InvalidParameter", "The Admin Username specified is not allowed.");
        }
        Map<String, Object> linux = (Map<String, Object>) os.getOrDefault("linuxConfiguration", Map.of());
        Map<String, Object> ssh = (Map<String, Object>) linux.getOrDefault("ssh", Map.of());
        if (((List<Object>) ssh.getOrDefault("publicKeys", List.of())).isEmpty()) {
            throw new ArmError(400, "InvalidParameter", "Required parameter 'adminPassword' is missing (null).");
        }
        for (Object o : (List<Object>) ((Map<String, Object>) props.getOrDefault("networkProfile", Map.of())).getOrDefault("networkInterfaces", List.of())) {
            String nic = (String) ((Map<String, Object>) o).get("id");
            if (!resources.containsKey(lower(nic))) {
                throw new ArmError(400, "InvalidResourceReference", "Resource " + nic + " referenced by resource " + id + " was not found.");
            }
        }
        long vms = resources.values().stream().filter(r -> "Microsoft.Compute/virtualMachines".equals(r.get("type"))).count();
        if (vms >= vmLimit) {
            throw new ArmError(409, "OperationNotAllowed", "Operation could not be completed as it results in exceeding approved Total Regional Cores quota."
                    + " Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: " + vmLimit + ", Current Usage: " + vms
                    + ", Additional Required: 1, (Minimum) New Limit Required: " + (vms + 1) + ".");
        }
        props.put("vmId", UUID.randomUUID().toString());
        props.put("timeCreated", Instant.now().toString());
        props.put("x-power", null);
    }

    private boolean subnetExists(String subnetId) {
        int i = subnetId.toLowerCase(Locale.ROOT).indexOf("/subnets/");
        if (i < 0) return false;
        Map<String, Object> vnet = resources.get(lower(subnetId.substring(0, i)));
        return vnet != null && String.valueOf(vnet.get("properties")).contains(subnetId.substring(i + 9));
    }

    @SuppressWarnings("unchecked")
    private void delete(Map<String, Object> r) {
        resources.remove(lower((String) r.get("id")));
        if (!"Microsoft.Compute/virtualMachines".equals(r.get("type"))) return;
        // deleteOption: Delete takes the NIC, and the NIC's public address, with the VM
        Map<String, Object> props = (Map<String, Object>) r.get("properties");
        for (Object o : (List<Object>) ((Map<String, Object>) props.getOrDefault("networkProfile", Map.of())).getOrDefault("networkInterfaces", List.of())) {
            Map<String, Object> ref = (Map<String, Object>) o;
            Map<String, Object> rp = (Map<String, Object>) ref.getOrDefault("properties", Map.of());
            if (!"Delete".equals(rp.get("deleteOption"))) continue;
            Map<String, Object> nic = resources.remove(lower((String) ref.get("id")));
            if (nic == null) continue;
            for (Object c : (List<Object>) ((Map<String, Object>) nic.get("properties")).getOrDefault("ipConfigurations", List.of())) {
                Map<String, Object> cp = (Map<String, Object>) ((Map<String, Object>) c).get("properties");
                Map<String, Object> pip = cp == null ? null : (Map<String, Object>) cp.get("publicIPAddress");
                Map<String, Object> pp = pip == null ? Map.of() : (Map<String, Object>) pip.getOrDefault("properties", Map.of());
                if (pip != null && "Delete".equals(pp.get("deleteOption"))) resources.remove(lower((String) pip.get("id")));
            }
        }
    }

    /** A VM as GET shows it; the create the cloud went on with meanwhile is done by the time anyone looks. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> vmView(Map<String, Object> vm, boolean instanceView) {
        Object opId = vm.get("x-op");
        if (opId != null && ops.containsKey(opId) && !ops.get(opId).done) finish(ops.get(opId));
        Map<String, Object> v = new LinkedHashMap<>(vm);
        v.remove("x-op");
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) vm.get("properties"));
        String power = (String) props.remove("x-power");
        if (instanceView) {
            List<Object> statuses = new ArrayList<>();
            String prov = String.valueOf(props.get("provisioningState"));
            statuses.add(Map.of("code", "ProvisioningState/" + prov.toLowerCase(Locale.ROOT), "level", "Info",
                    "displayStatus", "Provisioning " + prov.toLowerCase(Locale.ROOT), "time", Instant.now().toString()));
            if (power != null) statuses.add(Map.of("code", "PowerState/" + power, "level", "Info", "displayStatus", "VM " + power));
            Map<String, Object> iv = new LinkedHashMap<>();
            iv.put("computerName", name(vm));
            iv.put("osName", "ubuntu");
            iv.put("statuses", statuses);
            props.put("instanceView", iv);
        }
        v.put("properties", props);
        return v;
    }

    private static String name(Map<String, Object> r) {
        return (String) r.get("name");
    }

    private void finish(Op op) {
        op.done = true;
        op.onDone.run();
    }

    private Op op(String namespace, String location, Runnable onDone) {
        Op op = new Op(UUID.randomUUID().toString(), location, namespace, onDone);
        ops.put(op.id, op);
        return op;
    }

    private String opUrl(Op op) {
        return url() + "subscriptions/" + subscription + "/providers/" + op.namespace + "/locations/" + op.location + "/operations/" + op.id
                + "?api-version=2024-07-01";
    }

    @SuppressWarnings("unchecked")
    private static void setProvisioning(Map<String, Object> r, String state) {
        ((Map<String, Object>) r.get("properties")).put("provisioningState", state);
    }

    private static void notFound(String type, String name, String rg) {
        throw new ArmError(404, "ResourceNotFound", "The Resource '" + type + "/" + name + "' under resource group '" + rg
                + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
    }

    private static Map<String, Object> resource(String id, String name, String type, String location) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("name", name);
        r.put("type", type);
        r.put("location", location);
        return r;
    }

    /** How many resources of a type (e.g. Microsoft.Network/networkInterfaces) exist now. */
    long count(String type) {
        return resources.values().stream().filter(r -> type.equals(r.get("type"))).count();
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null) return m;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            m.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, Object json, Map<String, String> headers) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(clean(json));
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** The answer without this endpoint's own bookkeeping (keys starting with "x-"). */
    @SuppressWarnings("unchecked")
    private static Object clean(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> r = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> {
                if (!k.startsWith("x-")) r.put(k, clean(v));
            });
            return r;
        }
        if (o instanceof List<?> l) return l.stream().map(AzureEndpoint::clean).toList();
        return o;
    }

    private static void sendEmpty(HttpExchange ex, int status, Map<String, String> headers) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, -1);
    }
}
