package org.cloudmesh.cms.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.rest.RestReply;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.app.admin.Accounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server against clients that mean harm, over real sockets on loopback: bodies that never come, headers that
 * drip, bodies that are too big for memory, floods of unauthenticated requests, password guessing, and odd HTTP.
 * Every attack here is bounded in count and time and stops by itself.
 */
class HostileClientTest {
    record Probe(int count) {}

    static final RestRoutes ROUTES = (api, ctx) -> {
        api.get("/probe", call -> RestReply.ok(Map.of("user", call.principal().user())));
        api.put("/probe", call -> RestReply.ok(call.body(Probe.class)));
        api.post("/upload", call -> RestReply.created(Map.of("bytes", call.bodyBytes().length), "/upload/1"));
    };

    @TempDir
    Path home;
    TestServer server;
    String secret;

    @BeforeEach
    void start() {
        server = TestServer.start(home, ServerOptions.loopback(0).withLimits(64L << 20, 1L << 20).withBodyMemory(20L << 20), ROUTES);
        secret = server.addUser("alice", "correct horse", false, "p1");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Writes a request head (and optionally the start of a body) on a new connection. */
    Socket open(String head, byte[] body) throws IOException {
        Socket s = new Socket("127.0.0.1", server.host.port());
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        if (body != null) out.write(body);
        out.flush();
        return s;
    }

    /** The status line and JSON body of the answer on {@code s}, or null when the server closed without one. */
    static String[] answer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            head.append((char) c);
            if (head.toString().endsWith("\r\n\r\n")) break;
        }
        if (head.length() == 0) return null;
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).strip());
        }
        byte[] body = in.readNBytes(length);
        return new String[] {head.toString().split("\r\n")[0], new String(body, StandardCharsets.UTF_8), head.toString()};
    }

    static String signedHead(TestServer.Key key, String method, String path, byte[] body, long now, String extra) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        key.signer().sign(method, path, body, now, RequestSigner.newNonce()).forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        return b.append(extra).append("\r\n").toString();
    }

    /**
     * The attack of issue 16: 40 connections without credentials send a POST body at a byte every 5 s. They are
     * answered 401 at once, before any body byte is read, and a signed user's requests are answered within 2 s
     * throughout the 20 s of the attack.
     */
    @Test
    void fortySlowUnauthenticatedBodiesStarveNobody() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        List<Socket> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                attackers.add(open("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 1000\r\n\r\n", new byte[] {'x'}));
            }
            long end = System.nanoTime() + 20_000_000_000L;
            long nextDrip = System.nanoTime() + 5_000_000_000L;
            int answered = 0;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                TestServer.Reply r = server.signed(key, "GET", "/probe", null);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(200, r.status(), r.toString());
                assertTrue(ms < 2000, "a signed request took " + ms + " ms during the attack");
                answered++;
                if (System.nanoTime() > nextDrip) {
                    for (Socket s : attackers) {
                        try {
                            s.getOutputStream().write('x');
                        } catch (IOException closed) {
                            // the server has closed it: as it should
                        }
                    }
                    nextDrip += 5_000_000_000L;
                }
                Thread.sleep(200);
            }
            assertTrue(answered > 50, answered + " signed requests answered in 20 s");
            for (Socket s : attackers) {
                String[] a = answer(s);
                assertTrue(a != null && a[0].startsWith("HTTP/1.1 401"), "each attacker was refused without its body being read");
            }
        } finally {
            for (Socket s : attackers) s.close();
        }
        List<AuditEntry> rows = server.audit.query(null, null, null).stream().filter(e -> e.action().startsWith("POST")).toList();
        assertTrue(rows.size() <= 1, "40 refusals are one audit row, not 40: " + rows);
    }

    /** A Content-Length of 64 MB without a signature costs the server nothing: 401 at once, nothing allocated. */
    @Test
    void aHugeContentLengthWithoutASignatureIsRefusedBeforeTheBody() throws Exception {
        try (Socket s = open("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 67108864\r\n\r\n", null)) {
            s.setSoTimeout(2000);
            String[] a = answer(s);
            assertTrue(a[0].startsWith("HTTP/1.1 401"), a[0]);
            assertTrue(TestServer.JSON.readTree(a[1]).get("message").asText().startsWith("no credentials"), a[1]);
        }
    }

    /** Headers that drip a byte at a time are cut off by the head deadline, holding no worker thread meanwhile. */
    @Test
    void aDrippingRequestHeadIsCutOff() throws Exception {
        try (Socket s = open("GET /probe HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", null)) {
            long t0 = System.nanoTime();
            boolean closed = false;
            while (!closed && System.nanoTime() - t0 < ServerHost.HEAD_DEADLINE_MILLIS * 1_000_000L + 10_000_000_000L) {
                try {
                    s.getOutputStream().write('a');
                    s.getOutputStream().flush();
                    s.setSoTimeout(2000);
                    closed = s.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // not yet
                } catch (IOException e) {
                    closed = true;
                }
            }
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertTrue(closed, "the connection was cut off");
            assertTrue(seconds <= ServerHost.HEAD_DEADLINE_MILLIS / 1000 + 3, "after " + seconds + " s");
        }
    }

    /** A signed request whose body then drips is cut off after the I/O timeout: a key does not buy a thread forever. */
    @Test
    void aSignedBodyThatDripsIsCutOff() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        byte[] body = "{\"count\": 1}".getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        try (Socket s = open(signedHead(key, "PUT", "/probe", body, server.clock.get(),
                "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n"), new byte[] {body[0]})) {
            Thread dripper = new Thread(() -> {
                try {
                    for (int i = 1; i < body.length; i++) {
                        Thread.sleep(2000);
                        s.getOutputStream().write(body[i]);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off, or the test is over
                }
            });
            dripper.start();
            s.setSoTimeout(30_000);
            String[] a;
            try {
                a = answer(s);
            } catch (IOException e) {
                a = null;
            }
            dripper.interrupt();
            assertTrue(a == null || a[0].contains(" 400"), "cut off, not answered: " + (a == null ? "closed" : a[2]));
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertTrue(seconds <= ServerHost.IO_TIMEOUT_MILLIS / 1000 + 3, "cut off after " + seconds + " s");
        assertEquals(200, server.signed(key, "GET", "/probe", null).status(), "and the server goes on");
    }

    /** Signed bodies beyond the server's memory for bodies answer a JSON 503 (and the log says so), never a crash. */
    @Test
    void bodiesBeyondTheMemoryBudgetAre503() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        byte[] big = new byte[12 << 20];
        Socket first = open(signedHead(key, "POST", "/upload", big, server.clock.get(),
                "Content-Type: application/octet-stream\r\nContent-Length: " + big.length + "\r\n"), new byte[1000]);
        try {
            Thread.sleep(300); // the first holds 12 of the 20 MB while it arrives
            TestServer.Reply second = sendBytes(key, big);
            assertEquals(503, second.status(), second.toString());
            assertEquals("the server is receiving too many large bodies at once: try again shortly", second.json().get("message").asText());
            assertTrue(server.log.toString().contains("answered 503"), server.log.toString());
            first.getOutputStream().write(big, 1000, big.length - 1000);
            String[] a = answer(first);
            assertTrue(a[0].startsWith("HTTP/1.1 201"), a[2]);
        } finally {
            first.close();
        }
        assertEquals(201, sendBytes(key, big).status(), "once the first is done, the memory is free again");
    }

    private TestServer.Reply sendBytes(TestServer.Key key, byte[] body) throws Exception {
        Map<String, String> h = new HashMap<>(key.signer().sign("POST", "/upload", body, server.clock.get(), RequestSigner.newNonce()));
        h.put("Content-Type", "application/octet-stream");
        return server.request("POST", "/upload", new String(body, StandardCharsets.ISO_8859_1), h);
    }

    /** 500 unauthenticated POSTs write one audit row, with no user, however many keys they claim. */
    @Test
    void aFloodOfUnauthenticatedRequestsIsCountedNotWrittenRowByRow() throws Exception {
        int before = server.audit.query(null, null, null).size();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String k = "KEY" + i;
                all.add(pool.submit(() -> server.request("POST", "/upload/" + "x".repeat(500), "{}", Map.of("X-Api-Key", k)).status()));
            }
            for (Future<Integer> f : all) assertTrue(f.get() == 401 || f.get() == 404, "refused");
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 100; i++) assertEquals(401, server.request("PUT", "/probe", "{}", Map.of("X-Api-Key", "KEY" + i)).status());
        List<AuditEntry> rows = server.audit.query(null, null, null);
        assertTrue(rows.size() - before <= 1, "at most one row a minute: " + rows.subList(before, rows.size()));
        assertTrue(rows.stream().noneMatch(e -> e.user() != null && e.user().contains("KEY")), "an unverified key is never a user: " + rows);
        server.close();
        try (var reopened = org.cloudmesh.cms.app.audit.SqliteAuditTrail.open(home)) {
            List<AuditEntry> after = reopened.query(null, null, null);
            assertTrue(after.get(after.size() - 1).result().contains("unauthenticated request(s) refused"), after.toString());
        }
        server = TestServer.start(home, ROUTES);
    }

    /** Password guessing is throttled per user (and address) with growing delays: not hundreds a second. */
    @Test
    void passwordGuessesAreThrottled() throws Exception {
        int refused = 0;
        int throttled = 0;
        for (int i = 0; i < 20; i++) {
            TestServer.Reply r = server.getKeyReply("alice", "guess-" + i, server.code(secret));
            if (r.status() == 401) refused++;
            if (r.status() == 429) {
                throttled++;
                assertTrue(r.header("Retry-After").isPresent(), r.toString());
                assertTrue(r.json().get("message").asText().startsWith("too many failed logins"), r.toString());
            }
        }
        assertEquals(LoginThrottle.FREE_PER_USER, refused, "only the first guesses are checked at all");
        assertEquals(20 - LoginThrottle.FREE_PER_USER, throttled);
        TestServer.Reply right = server.getKeyReply("alice", "correct horse", server.code(secret));
        assertEquals(429, right.status(), "even the right password waits its turn: " + right);
        server.clock.addAndGet(LoginThrottle.MAX_DELAY_SECONDS);
        assertEquals(200, server.getKeyReply("alice", "correct horse", server.code(secret)).status());
        assertEquals(LoginThrottle.MAX_DELAY_SECONDS, LoginThrottle.delay(100, LoginThrottle.FREE_PER_USER));
        assertEquals(1, LoginThrottle.delay(LoginThrottle.FREE_PER_USER, LoginThrottle.FREE_PER_USER));
    }

    /** A key works for its lifetime, then answers that it expired; an administrator revokes one key at a time. */
    @Test
    void keysExpireAndAreRevokedOneByOne() throws Exception {
        TestServer.Key first = server.getKey("alice", "correct horse", secret);
        TestServer.Key second = server.getKey("alice", "correct horse", secret);
        assertEquals(2, server.accounts.keys("alice").size());
        assertEquals("alice", server.accounts.revoke(first.keyId()));
        Thread.sleep(1100); // keys are re-read at most once a second
        TestServer.Reply revoked = server.signed(first, "GET", "/probe", null);
        assertEquals(401, revoked.status());
        assertTrue(revoked.json().get("message").asText().startsWith("unknown API key"), revoked.toString());
        assertEquals(200, server.signed(second, "GET", "/probe", null).status(), "the other key still works");

        server.clock.addAndGet(ServerOptions.KEY_LIFETIME_SECONDS);
        TestServer.Reply expired = server.signed(second, "GET", "/probe", null);
        assertEquals(401, expired.status());
        assertTrue(expired.json().get("message").asText().startsWith("the API key expired at "), expired.toString());
    }

    /** A timestamp near -2^63 must not wrap around into the window. */
    @Test
    void timestampsFarFromNowAreStaleWithoutOverflow() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        long now = server.clock.get();
        for (long t : new long[] {Long.MIN_VALUE + now, Long.MIN_VALUE, Long.MAX_VALUE, now - 301}) {
            Map<String, String> h = key.signer().sign("GET", "/probe", null, t, RequestSigner.newNonce());
            TestServer.Reply r = server.request("GET", "/probe", null, h);
            assertEquals(401, r.status(), t + ": " + r);
            assertTrue(r.json().get("message").asText().startsWith("stale timestamp"), r.toString());
        }
        assertFalse(Authenticator.withinWindow(Long.MIN_VALUE + now, now));
    }

    /** HEAD is a GET without the body, behind the same authentication; /getkey is never answered to HEAD. */
    @Test
    void headNeedsTheSameAuthenticationAsGet() throws Exception {
        assertEquals(401, server.request("HEAD", "/probe", null, Map.of()).status());
        assertEquals(401, server.request("HEAD", "/whoami", null, Map.of()).status());
        assertEquals(405, server.request("HEAD", "/getkey", null, Map.of()).status());
        assertEquals(200, server.request("HEAD", "/health", null, Map.of()).status());
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        assertEquals(200, server.request("HEAD", "/probe", null, key.signer().sign("HEAD", "/probe", null, server.clock.get(), RequestSigner.newNonce())).status());
        assertEquals(401, server.request("HEAD", "/probe", null, key.signer().sign("GET", "/probe", null, server.clock.get(), RequestSigner.newNonce())).status(),
                "a GET's signature does not cover a HEAD");
    }

    /** Odd bodies: a chunk size that overflows, duplicate keys, a body that is not JSON. */
    @Test
    void malformedChunkingDuplicateKeysAndWrongTypesAre4xx() throws Exception {
        TestServer.Key key = server.getKey("alice", "correct horse", secret);
        byte[] body = "{\"count\": 1}".getBytes(StandardCharsets.UTF_8);
        try (Socket s = open(signedHead(key, "PUT", "/probe", body, server.clock.get(),
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"), "FFFFFFFFFFFFFFFF\r\n{\"count\": 1}\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
            String[] a = answer(s);
            assertTrue(a[0].startsWith("HTTP/1.1 400"), a[2] + a[1] + server.log);
            JsonNode j = TestServer.JSON.readTree(a[1]);
            assertEquals(400, j.get("code").asInt(), a[1]);
        }
        TestServer.Reply twice = server.signed(key, "PUT", "/probe", "{\"count\": 1, \"count\": 2}");
        assertEquals(400, twice.status(), twice.toString());
        assertTrue(twice.json().get("message").asText().contains("Duplicate field 'count'"), twice.toString());
        Map<String, String> h = new HashMap<>(key.signer().sign("PUT", "/probe", body, server.clock.get(), RequestSigner.newNonce()));
        h.put("Content-Type", "text/plain");
        TestServer.Reply plain = server.request("PUT", "/probe", "{\"count\": 1}", h);
        assertEquals(415, plain.status(), plain.toString());
        assertEquals(200, server.signed(key, "PUT", "/probe", "{\"count\": 1}").status());
    }

    /** A refused login tells nobody which factor was wrong; the audit trail has it, without trusting the name. */
    @Test
    void refusedLoginsAreAuditedWithTheRealReason() throws Exception {
        server.getKeyReply("alice", "wrong horse", server.code(secret));
        server.getKeyReply("alice", "correct horse", "000000".equals(server.code(secret)) ? "111111" : "000000");
        List<AuditEntry> rows = server.audit.query(null, null, null);
        assertTrue(rows.stream().anyMatch(e -> e.user() == null && e.result().equals("401 wrong user or password (as 'alice')")), rows.toString());
        assertTrue(rows.stream().anyMatch(e -> "alice".equals(e.user()) && e.result().startsWith("401 wrong one-time code")), rows.toString());
        assertTrue(Accounts.LOGIN_FAILED.startsWith("wrong user, password or one-time code"));
    }
}
