package org.cloudmesh.cms.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Variables;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.app.admin.Accounts;
import org.cloudmesh.cms.app.admin.Totp;
import org.cloudmesh.cms.app.audit.SqliteAuditTrail;

/**
 * A server in this JVM on a free loopback port, with a fresh home (real SQLite accounts and audit) and the given
 * routes; its clock can be moved forward (to get a fresh one-time code, or to age a request).
 */
public final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    public final Path home;
    public final Accounts accounts;
    public final SqliteAuditTrail audit;
    public final ServerHost host;
    private final HomeContext context;
    public final AtomicLong clock = new AtomicLong(Instant.now().getEpochSecond());
    public final StringWriter log = new StringWriter();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    public record Key(String keyId, String secret) {
        RequestSigner signer() {
            return new RequestSigner(keyId, secret);
        }
    }

    public record Reply(int status, String body, Map<String, List<String>> headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0));
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private TestServer(Path home, ServerOptions options, List<RestRoutes> routes) {
        this(home, options, Map.of(), routes);
    }

    private TestServer(Path home, ServerOptions options, Map<String, Object> settings, List<RestRoutes> routes) {
        this.home = home;
        this.accounts = Accounts.open(home);
        this.audit = SqliteAuditTrail.open(home);
        this.context = new HomeContext(home, settings);
        this.host = ServerHost.start(options, context, routes, accounts, audit, new PrintWriter(log, true), clock::get);
    }

    public static TestServer start(Path home, RestRoutes... routes) {
        return new TestServer(home, ServerOptions.loopback(0), List.of(routes));
    }

    public static TestServer start(Path home, ServerOptions options, RestRoutes... routes) {
        return new TestServer(home, options, List.of(routes));
    }

    /** With {@code settings} (dotted config paths, e.g. cloudmesh.server.console_idle) in its config. */
    public static TestServer start(Path home, Map<String, Object> settings, RestRoutes... routes) {
        return new TestServer(home, ServerOptions.loopback(0), settings, List.of(routes));
    }

    /** Adds a user. @return the TOTP secret */
    public String addUser(String name, String password, boolean admin, String... projects) {
        return accounts.add(name, password.toCharArray(), Set.of(projects), admin);
    }

    /** The one-time code at the server's clock now. */
    public String code(String secret) {
        return Totp.codeAt(secret, clock.get());
    }

    /** Moves the server's clock to the next TOTP step (a code not used before). */
    public void nextStep() {
        clock.addAndGet(Totp.STEP_SECONDS);
    }

    public Reply getKeyReply(String user, String password, String otp) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.url() + "/getkey")).GET()
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .header("Accept", "application/json");
        if (otp != null) b.header(RequestSigner.OTP, otp);
        return send(b.build());
    }

    public Key getKey(String user, String password, String secret) throws Exception {
        Reply r = getKeyReply(user, password, code(secret));
        assertEquals(200, r.status(), r.toString());
        nextStep(); // that code is spent
        return new Key(r.json().get("key_name").asText(), r.json().get("key").asText());
    }

    /** A request signed now (the server's clock) with a fresh nonce. */
    public Reply signed(Key key, String method, String path, String body) throws Exception {
        return request(method, path, body, key.signer().sign(method, path, bytes(body), clock.get(), RequestSigner.newNonce()));
    }

    public Reply request(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
        if (body != null) b.header("Content-Type", "application/json");
        headers.forEach(b::setHeader); // a Content-Type given here replaces the JSON one
        return send(b.build());
    }

    static byte[] bytes(String body) {
        return body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    }

    private Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        String body = r.body();
        assertFalse(body.contains("\tat ") || body.contains("Exception") || body.contains(".java:"),
                "no stack trace in an answer: " + body);
        if (r.statusCode() >= 400 && !request.method().equals("HEAD")) {
            JsonNode j = JSON.readTree(body);
            assertEquals(r.statusCode(), j.get("code").asInt(), "error bodies are {code, message, field}: " + body);
            assertFalse(j.get("message").asText().isBlank(), body);
            assertEquals(true, j.has("field"), body);
        }
        return new Reply(r.statusCode(), body, r.headers().map());
    }

    @Override
    public void close() {
        host.close();
        context.closer.close();
        audit.close();
        accounts.close();
    }

    /** Only what the server uses of a context: the home, and writers for plugins' messages. */
    static final class HomeContext implements Context {
        private final Path home;
        private final Map<String, Object> settings;
        private final PrintWriter out = new PrintWriter(new StringWriter(), true);
        final org.cloudmesh.cms.api.Closer closer = new org.cloudmesh.cms.api.Closer();

        @Override
        public void onClose(AutoCloseable resource) {
            closer.add(resource);
        }

        HomeContext(Path home, Map<String, Object> settings) {
            this.home = home;
            this.settings = settings;
        }

        @Override
        public Path home() {
            return home;
        }

        @Override
        public Config config() {
            // the test's settings; every other one keeps its default
            return new Config() {
                @Override
                public Path file() {
                    return home.resolve("cloudmesh.yaml");
                }

                @Override
                public java.util.Optional<Object> get(String path) {
                    return java.util.Optional.ofNullable(settings.get(path));
                }

                @Override
                public void set(String path, String value) {
                    throw new UnsupportedOperationException("the test server's config is read-only");
                }

                @Override
                public void merge(Map<String, Object> fragment) {
                    throw new UnsupportedOperationException("the test server's config is read-only");
                }

                @Override
                public void reload() {
                }
            };
        }

        @Override
        public Variables variables() {
            throw new UnsupportedOperationException("no variables in the test server");
        }

        @Override
        public PrintWriter out() {
            return out;
        }

        @Override
        public PrintWriter err() {
            return out;
        }

        @Override
        public boolean interactive() {
            return false;
        }

        @Override
        public boolean confirm(String question) {
            return false;
        }

        @Override
        public String prompt(String question) {
            throw new UnsupportedOperationException(question);
        }

        @Override
        public <T> List<T> extensions(Class<T> type) {
            return List.of();
        }
    }
}
