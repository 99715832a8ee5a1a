package org.cloudmesh.cms.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestReply;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.app.admin.Accounts;
import org.cloudmesh.cms.app.audit.SqliteAuditTrail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over real HTTP on loopback, with real SQLite accounts and audit in a fresh home. */
class ServerTest {
    record Probe(int count, String label, List<String> tags) {}

    /** A plugin's routes as the contract lets it add them. */
    static final RestRoutes PROBE = (api, ctx) -> {
        api.get("/probe/{name}", call -> RestReply.ok(Map.of("name", call.pathParam("name"), "user", call.principal().user())));
        api.put("/probe/{name}", call -> {
            Probe p = call.body(Probe.class);
            call.auditTarget(call.pathParam("name"), "vm-" + call.pathParam("name") + "-[0-1]");
            if (p.count() < 0) throw RestException.badRequest("count must be 0 or more", "count");
            return RestReply.ok(p);
        });
        api.post("/upload", call -> RestReply.created(call.file("file")
                .<Map<String, Object>>map(f -> Map.of("name", f.fileName(), "bytes", f.content().length, "md5", call.header("MD5").orElse("")))
                .orElse(Map.of("bytes", call.bodyBytes().length)), "/upload/1"));
        api.get("/boom", call -> {
            throw new IllegalStateException("secret internals");
        });
        api.get("/console", call -> {
            call.requireFreshSecondFactor();
            return RestReply.seeOther("https://console.example/one-time");
        });
        api.publicGet("/doc.yaml", call -> RestReply.text("openapi: 3.0.3\n", "application/yaml"));
    };

    @TempDir
    Path home;
    TestServer server;
    String secret;

    @BeforeEach
    void start() {
        server = TestServer.start(home, ServerOptions.loopback(0).withLimits(3L << 20, 1L << 20), PROBE);
        secret = server.addUser("alice", "correct horse", false, "p1");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void noCredentialsIs401() throws Exception {
        TestServer.Reply r = server.request("GET", "/probe/vc1", null, Map.of());
        assertEquals(401, r.status(), r.toString());
        assertTrue(r.json().get("message").asText().startsWith("no credentials"), r.toString());
        TestServer.Reply basic = server.request("GET", "/probe/vc1", null, Map.of("Authorization", "Basic YWxpY2U6eA=="));
        assertEquals(401, basic.status());
        assertTrue(basic.body().contains("only for GET /getkey"), basic.toString());
    }

    /** One answer for any failure until both factors are right: a password is never confirmed without the code. */
    @Test
    void getkeyWantsPasswordAndAFreshOneTimeCode() throws Exception {
        TestServer.Reply wrongCode = server.getKeyReply("alice", "correct horse", "000000".equals(server.code(secret)) ? "111111" : "000000");
        assertEquals(401, wrongCode.status());
        assertEquals(Accounts.LOGIN_FAILED, wrongCode.json().get("message").asText());
        TestServer.Reply wrongPassword = server.getKeyReply("alice", "wrong horse", server.code(secret));
        assertEquals(401, wrongPassword.status());
        assertEquals(wrongCode.body(), wrongPassword.body(), "a right password with a wrong code answers like a wrong password");
        server.clock.addAndGet(2); // the third failure for alice: the next attempt waits a second
        assertEquals(wrongCode.body(), server.getKeyReply("nobody", "correct horse", server.code(secret)).body());
        TestServer.Reply noCode = server.getKeyReply("alice", "correct horse", null);
        assertEquals(401, noCode.status());
        assertTrue(noCode.body().contains("X-OTP"), noCode.toString());

        TestServer.Reply ok = server.getKeyReply("alice", "correct horse", server.code(secret));
        assertEquals(200, ok.status(), ok.toString());
        assertEquals(24, ok.json().get("key_name").asText().length());
        assertTrue(ok.json().get("key").asText().length() >= 40);
        TestServer.Reply again = server.getKeyReply("alice", "correct horse", server.code(secret));
        assertEquals(401, again.status(), "a code is good once");
        assertEquals(wrongCode.body(), again.body(), "and a spent code answers like a wrong one");
        assertTrue(server.audit.query("alice", null, null).stream().anyMatch(e -> e.result().contains("already used")),
                "the audit trail has the real reason");

        server.nextStep(); // Nucleus style: the code typed after the password
        assertEquals(200, server.getKeyReply("alice", "correct horse" + server.code(secret), null).status());
    }

    /**
     * Six digits must not be guessable by trying them: five wrong codes in a row lock the user for 15 minutes (the
     * answer says so only to the right password with the right code).
     */
    @Test
    void fiveWrongCodesLockTheUserUntilTheLockEndsOrAnAdministratorEnablesThem() throws Exception {
        String wrong = "000000".equals(server.code(secret)) ? "111111" : "000000";
        for (int i = 1; i <= Accounts.MAX_WRONG_CODES; i++) {
            server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS); // past the throttle's delay
            wrong = wrongCode();
            assertEquals(Accounts.LOGIN_FAILED, server.getKeyReply("alice", "correct horse", wrong).json().get("message").asText());
        }
        server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS);
        TestServer.Reply right = server.getKeyReply("alice", "correct horse", server.code(secret));
        assertEquals(401, right.status(), "even the right code is refused while locked");
        assertTrue(right.body().contains("user alice is locked after 5 wrong one-time codes until "), right.toString());
        assertTrue(right.body().contains("'admin user enable alice'"), right.toString());
        server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS);
        assertEquals(Accounts.LOGIN_FAILED, server.getKeyReply("alice", "wrong horse", server.code(secret)).json().get("message").asText(),
                "a wrong password says nothing of the lock");
        assertTrue(server.accounts.find("alice").orElseThrow().lockedUntil() != null);
        assertTrue(server.audit.query("alice", null, null).stream().anyMatch(e -> e.result().contains("is locked after")),
                "the lock is in the audit trail");

        server.clock.addAndGet(Accounts.LOCK_SECONDS);       // the lock ends by itself
        assertEquals(200, server.getKeyReply("alice", "correct horse", server.code(secret)).status());

        server.nextStep();
        for (int i = 0; i < Accounts.MAX_WRONG_CODES; i++) {
            server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS);
            server.getKeyReply("alice", "correct horse", wrongCode());
        }
        server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS);
        assertEquals(401, server.getKeyReply("alice", "correct horse", server.code(secret)).status());
        server.accounts.enable("alice");                     // or an administrator ends it
        server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS); // (after the throttle's delay for the last failure)
        assertEquals(200, server.getKeyReply("alice", "correct horse", server.code(secret)).status());
    }

    @Test
    void signedRequestsReachTheRoute() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        TestServer.Reply r = server.signed(key, "GET", "/probe/vc1", null);
        assertEquals(200, r.status(), r.toString());
        assertEquals("alice", r.json().get("user").asText());
        JsonNode who = server.signed(key, "GET", "/whoami", null).json();
        assertEquals("alice", who.get("user").asText());
        assertEquals("p1", who.get("projects").get(0).asText());
        assertEquals(200, server.signed(key, "GET", "/probe/vc1?x=1&y=a%20b", null).status(), "the query is signed as sent");
        TestServer.Reply encoded = server.signed(key, "GET", "/probe/a%20b", null);
        assertEquals(200, encoded.status(), "the path is signed as sent: " + encoded);
        assertEquals("a b", encoded.json().get("name").asText(), "and decoded for the route");
    }

    @Test
    void badSignatureReplayAndStaleTimestampAre401() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        long now = server.clock.get();

        Map<String, String> wrongSecret = new RequestSigner(key.keyId(), "not-the-secret").sign("GET", "/probe/vc1", null, now, RequestSigner.newNonce());
        assertMessage(server.request("GET", "/probe/vc1", null, wrongSecret), "bad signature");

        Map<String, String> other = key.signer().sign("GET", "/probe/vc1", null, now, RequestSigner.newNonce());
        assertMessage(server.request("GET", "/probe/vc2", null, other), "bad signature"); // moved to another path

        Map<String, String> once = key.signer().sign("GET", "/probe/vc1", null, now, RequestSigner.newNonce());
        assertEquals(200, server.request("GET", "/probe/vc1", null, once).status());
        assertMessage(server.request("GET", "/probe/vc1", null, once), "replayed nonce");

        Map<String, String> old = key.signer().sign("GET", "/probe/vc1", null, now - 301, RequestSigner.newNonce());
        assertMessage(server.request("GET", "/probe/vc1", null, old), "stale timestamp");
        Map<String, String> future = key.signer().sign("GET", "/probe/vc1", null, now + 301, RequestSigner.newNonce());
        assertMessage(server.request("GET", "/probe/vc1", null, future), "stale timestamp");
        Map<String, String> edge = key.signer().sign("GET", "/probe/vc1", null, now - 299, RequestSigner.newNonce());
        assertEquals(200, server.request("GET", "/probe/vc1", null, edge).status(), "within the window");

        String body = "{\"count\":1,\"label\":\"a\",\"tags\":[]}";
        Map<String, String> h = key.signer().sign("PUT", "/probe/vc1", TestServer.bytes(body), now, RequestSigner.newNonce());
        assertMessage(server.request("PUT", "/probe/vc1", body.replace("1", "9"), h), "Digest header does not match");
        Map<String, String> forged = new HashMap<>(h);
        forged.put("Digest", RequestSigner.digest(TestServer.bytes(body.replace("1", "9"))));
        assertMessage(server.request("PUT", "/probe/vc1", body.replace("1", "9"), forged), "bad signature");

        Map<String, String> unknown = new RequestSigner("NOSUCHKEY", "x").sign("GET", "/probe/vc1", null, now, RequestSigner.newNonce());
        assertMessage(server.request("GET", "/probe/vc1", null, unknown), "unknown API key");

        Map<String, String> nucleusOnly = new HashMap<>(key.signer().sign("GET", "/probe/vc1", null, now, RequestSigner.newNonce()));
        nucleusOnly.put("Authorization", nucleusOnly.get("Authorization").replace("(request-target) nonce timestamp digest", "nonce timestamp"));
        assertMessage(server.request("GET", "/probe/vc1", null, nucleusOnly), "must cover");
    }

    @Test
    void aDisabledUserIsRefusedWithinASecond() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        assertEquals(200, server.signed(key, "GET", "/probe/vc1", null).status());
        server.accounts.disable("alice");
        Thread.sleep(1100);
        assertMessage(server.signed(key, "GET", "/probe/vc1", null), "user alice is disabled");
        assertMessage(server.getKeyReply("alice", "correct horse", server.code(secret)), "user alice is disabled");
    }

    @Test
    void wrongTotpAgainstAFreshSecondFactorRoute() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        assertMessage(server.signed(key, "GET", "/console", null), "fresh one-time code");
        long now = server.clock.get();
        String code = server.code(secret);
        Map<String, String> h = new HashMap<>(key.signer().sign("GET", "/console", null, now, RequestSigner.newNonce()));
        h.put(RequestSigner.OTP, code.equals("123456") ? "654321" : "123456");
        assertMessage(server.request("GET", "/console", null, h), "wrong one-time code");
        h = new HashMap<>(key.signer().sign("GET", "/console", null, now, RequestSigner.newNonce()));
        h.put(RequestSigner.OTP, code);
        TestServer.Reply r = server.request("GET", "/console", null, h);
        assertEquals(303, r.status(), r.toString());
        assertEquals("https://console.example/one-time", r.header("Location").orElseThrow());
    }

    @Test
    void badBodiesAre400WithTheFieldAndOversizedAre413() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        TestServer.Reply malformed = server.signed(key, "PUT", "/probe/vc1", "{\"count\": 1,");
        assertEquals(400, malformed.status(), malformed.toString());
        assertTrue(malformed.json().get("message").asText().startsWith("malformed JSON"), malformed.toString());
        assertTrue(malformed.json().get("field").isNull());

        TestServer.Reply wrongType = server.signed(key, "PUT", "/probe/vc1", "{\"count\": \"many\"}");
        assertEquals(400, wrongType.status(), wrongType.toString());
        assertEquals("count", wrongType.json().get("field").asText());
        assertTrue(wrongType.json().get("message").asText().contains("an integer expected"), wrongType.toString());

        TestServer.Reply nested = server.signed(key, "PUT", "/probe/vc1", "{\"count\": 1, \"tags\": [\"a\", {\"b\": 1}]}");
        assertEquals(400, nested.status(), nested.toString());
        assertEquals("tags[1]", nested.json().get("field").asText());

        TestServer.Reply unknown = server.signed(key, "PUT", "/probe/vc1", "{\"count\": 1, \"colour\": \"red\"}");
        assertEquals(400, unknown.status());
        assertEquals("colour", unknown.json().get("field").asText());

        TestServer.Reply notObject = server.signed(key, "PUT", "/probe/vc1", "[1,2]");
        assertEquals(400, notObject.status(), notObject.toString());

        TestServer.Reply routeCheck = server.signed(key, "PUT", "/probe/vc1", "{\"count\": -1}");
        assertEquals(400, routeCheck.status());
        assertEquals("count", routeCheck.json().get("field").asText());

        String big = "{\"label\":\"" + "x".repeat((1 << 20) + 10) + "\"}";
        TestServer.Reply jsonTooBig = server.signed(key, "PUT", "/probe/vc1", big);
        assertEquals(413, jsonTooBig.status(), jsonTooBig.toString().substring(0, 100));
        TestServer.Reply upload = server.signed(key, "POST", "/upload", big);
        assertEquals(201, upload.status(), "uploads may be larger than a JSON body");
        assertEquals(big.length(), upload.json().get("bytes").asInt());
        String huge = "x".repeat((3 << 20) + 1);
        assertEquals(413, server.signed(key, "POST", "/upload", huge).status());
    }

    /** A multipart/form-data upload, as Nucleus clients (python requests) send files, reaches the route as a file. */
    @Test
    void multipartFilesReachTheRoute() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        String body = "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tiny.iso\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n" + "y".repeat(5000) + "\r\n--b0undary--\r\n";
        Map<String, String> h = new HashMap<>(key.signer().sign("POST", "/upload", body.getBytes(), server.clock.get(), RequestSigner.newNonce()));
        h.put("Content-Type", "multipart/form-data; boundary=b0undary");
        h.put("md5", "abc");
        TestServer.Reply r = server.request("POST", "/upload", body, h);
        assertEquals(201, r.status(), r.toString());
        assertEquals("tiny.iso", r.json().get("name").asText());
        assertEquals(5000, r.json().get("bytes").asInt());
        assertEquals("abc", r.json().get("md5").asText(), "headers are case-insensitive");

        Map<String, String> broken = new HashMap<>(key.signer().sign("POST", "/upload", "--x\r\nnonsense".getBytes(), server.clock.get(), RequestSigner.newNonce()));
        broken.put("Content-Type", "multipart/form-data; boundary=x");
        TestServer.Reply bad = server.request("POST", "/upload", "--x\r\nnonsense", broken);
        assertEquals(400, bad.status(), bad.toString());
        assertTrue(bad.json().get("message").asText().startsWith("malformed multipart body"), bad.toString());
    }

    @Test
    void unknownPathsAndFailuresAreJsonWithoutStackTraces() throws Exception {
        TestServer.Reply none = server.request("GET", "/nosuch/path", null, Map.of());
        assertEquals(404, none.status());
        assertTrue(none.json().get("message").asText().contains("/nosuch/path"), none.toString());
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        TestServer.Reply boom = server.signed(key, "GET", "/boom", null);
        assertEquals(500, boom.status());
        assertFalse(boom.body().contains("secret internals"), boom.toString());
        assertTrue(server.log.toString().contains("secret internals"), "the log has the details");
        assertEquals(200, server.request("GET", "/health", null, Map.of()).status());
        TestServer.Reply doc = server.request("GET", "/doc.yaml", null, Map.of());
        assertEquals("openapi: 3.0.3\n", doc.body());
        assertTrue(doc.header("Content-Type").orElseThrow().startsWith("application/yaml"));
    }

    @Test
    void stateChangesAreAuditedAndTheTrailSurvivesAReopen() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        assertEquals(200, server.signed(key, "PUT", "/probe/vc7", "{\"count\": 2}").status());
        assertEquals(200, server.signed(key, "GET", "/probe/vc7", null).status()); // a GET is not audited
        assertEquals(401, server.request("PUT", "/probe/vc7", "{}", Map.of("X-Api-Key", key.keyId())).status());

        List<AuditEntry> vc7 = server.audit.query(null, "vc7", null);
        assertEquals(1, vc7.size(), vc7.toString());
        AuditEntry e = vc7.get(0);
        assertEquals("alice", e.user());
        assertEquals("127.0.0.1", e.from());
        assertEquals("PUT /probe/vc7", e.action());
        assertEquals("vm-vc7-[0-1]", e.nodes());
        assertEquals("200", e.result());
        List<AuditEntry> all = server.audit.query(null, null, null);
        assertTrue(all.stream().anyMatch(a -> a.action().equals("GET /getkey") && "alice".equals(a.user()) && a.result().startsWith("200")), all.toString());
        assertTrue(all.stream().anyMatch(a -> a.action().equals("PUT /probe/vc7") && a.result().startsWith("401")), all.toString());
        assertTrue(all.stream().noneMatch(a -> a.action().startsWith("GET /probe")), all.toString());

        server.close();
        try (SqliteAuditTrail reopened = SqliteAuditTrail.open(home)) {
            assertEquals(all, reopened.query(null, null, null));
            assertEquals(all.size(), reopened.query("alice", null, null).size() + 1); // the 401 names no user
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("audit.db"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("server.db"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("server.key"))));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("audit.db")); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE audit SET result = 'forged'"));
            assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit"));
        }
        server = TestServer.start(home, PROBE); // for @AfterEach
    }

    @Test
    void secretsAreNotStoredInClear() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        byte[] db = Files.readAllBytes(home.resolve("server.db"));
        byte[] wal = Files.exists(home.resolve("server.db-wal")) ? Files.readAllBytes(home.resolve("server.db-wal")) : new byte[0];
        String all = new String(db, java.nio.charset.StandardCharsets.ISO_8859_1) + new String(wal, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(all.contains(key.secret()), "the API secret is encrypted at rest");
        assertFalse(all.contains(secret), "the TOTP secret is encrypted at rest");
        assertFalse(all.contains("correct horse"));
    }

    @Test
    void aPortInUseIsAClearError() {
        CmsException e = assertThrows(CmsException.class,
                () -> TestServer.start(home.resolve("other"), ServerOptions.loopback(server.host.port())));
        assertTrue(e.getMessage().contains("port " + server.host.port() + " on 127.0.0.1 is in use"), e.getMessage());
    }

    @Test
    void twoPluginsCannotTakeTheSameRoute() throws Exception {
        RestRoutes clash = (api, ctx) -> api.get("/whoami", call -> RestReply.ok("mine"));
        try (TestServer other = TestServer.start(home.resolve("clash"), clash)) {
            assertTrue(other.log.toString().contains("route GET /whoami is already added by cms server"), other.log.toString());
            assertEquals("cms server", other.host.routes().get("GET /whoami"), "the first one keeps it");
        }
    }

    @Test
    void requestsJettyRefusesItselfAnswerJsonToo() throws Exception {
        for (String request : List.of("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GARBAGE\r\n\r\n",
                "GET /whoami HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20000) + "\r\n\r\n")) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.host.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.shutdownOutput();
                String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 4"), answer);
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                JsonNode j = TestServer.JSON.readTree(body);
                assertTrue(j.get("code").asInt() >= 400 && j.has("message") && j.has("field"), answer);
                assertFalse(answer.contains("<html") || answer.contains("\tat "), answer);
            }
        }
    }

    @Test
    void fiftyConcurrentClientsLoseNoAuditRecord() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        int before = server.audit.query(null, null, null).size();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(50);
        try {
            List<java.util.concurrent.Future<Integer>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String name = "vc" + i;
                all.add(pool.submit(() -> server.signed(key, "PUT", "/probe/" + name, "{\"count\": 1}").status()));
            }
            for (var f : all) assertEquals(200, f.get());
        } finally {
            pool.shutdownNow();
        }
        List<AuditEntry> after = server.audit.query("alice", null, null);
        for (int i = 0; i < 50; i++) {
            String name = "vc" + i;
            assertEquals(1, after.stream().filter(a -> name.equals(a.cluster())).count(), name);
        }
        assertEquals(before + 50, server.audit.query(null, null, null).size());
    }

    @Test
    void tlsServesTheSameApi() throws Exception {
        Path keystore = home.resolve("tls.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "cms", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        try (TestServer tls = TestServer.start(home.resolve("tls"), ServerOptions.loopback(0).withTls(keystore, "changeit"), PROBE)) {
            assertTrue(tls.host.url().startsWith("https://127.0.0.1:"), tls.host.url());
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(ssl).build();
            var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tls.host.url() + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            var denied = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(tls.host.url() + "/whoami")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, denied.statusCode());
        }
    }

    @Test
    void theNonceCacheForgetsOnlyWhatTheWindowWouldRefuseAnywayAndIsBounded() {
        NonceCache c = new NonceCache(300, 3);
        assertEquals(NonceCache.Result.FRESH, c.add("k", "AAAAAAAAAA", 1000, 1000));
        assertEquals(NonceCache.Result.REPLAYED, c.add("k", "AAAAAAAAAA", 1000, 1299));
        assertEquals(NonceCache.Result.FRESH, c.add("other", "AAAAAAAAAA", 1000, 1000), "per key");
        assertEquals(NonceCache.Result.FRESH, c.add("k", "BBBBBBBBBB", 1001, 1001));
        assertEquals(NonceCache.Result.FULL, c.add("k", "CCCCCCCCCC", 1001, 1001), "bounded: refuse, never forget early");
        assertEquals(NonceCache.Result.FRESH, c.add("k", "CCCCCCCCCC", 1301, 1301), "the second-1000 bucket expired");
        assertEquals(2, c.size());
    }

    /** A code that is not alice's now. */
    private String wrongCode() {
        return "000000".equals(server.code(secret)) ? "111111" : "000000";
    }

    private static void assertMessage(TestServer.Reply r, String fragment) {
        assertEquals(401, r.status(), r.toString());
        assertTrue(r.json().get("message").asText().contains(fragment), "expected '" + fragment + "' in " + r);
    }
}
