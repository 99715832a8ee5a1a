package org.cloudmesh.cms.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.app.admin.Totp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cms server start/status/stop and cms admin through the built distribution, as a script would use them. */
class ServerCliTest {
    private static final Pattern RUNNING = Pattern.compile("cms server running at (http://127\\.0\\.0\\.1:\\d+) \\(PID (\\d+)");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path tmp;

    Path home() {
        return tmp.resolve("home");
    }

    BuiltShell.Result cms(String... args) throws Exception {
        return BuiltShell.run(home(), null, args);
    }

    @AfterEach
    void stopServer() throws Exception {
        cms("server", "stop");
    }

    static void assertOneLineError(BuiltShell.Result r, String fragment) {
        assertEquals(1, r.status(), r.toString());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "expected one line on stderr: " + r);
        assertTrue(err.contains(fragment), "expected '" + fragment + "' in stderr: " + r);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace without --debug: " + r);
    }

    @Test
    void startStatusStopAndASigkilledServerRestartsLosingNothing() throws Exception {
        BuiltShell.Result add = BuiltShell.run(home(), "a-long-password\n", "admin", "user", "add", "alice", "--project", "p1",
                "--password-stdin", "--secret-only");
        assertEquals(0, add.status(), add.toString());
        String secret = add.out().strip();
        assertTrue(secret.matches("[A-Z2-7]{32}"), add.toString());

        assertEquals("cms server stopped\n", cms("server", "status").out());
        java.nio.file.Path log = home().resolve("server.log");  // a full log from earlier runs is set aside at start
        java.nio.file.Files.write(log, new byte[(int) ServerFiles.LOG_ROTATE_BYTES]);
        BuiltShell.Result start = cms("server", "start", "--port", "0");
        assertEquals(ServerFiles.LOG_ROTATE_BYTES, java.nio.file.Files.size(home().resolve("server.log.1")));
        assertTrue(java.nio.file.Files.size(log) < 100_000, "the new log starts empty");
        assertEquals(0, start.status(), start.toString());
        Matcher m = RUNNING.matcher(start.out());
        assertTrue(m.find(), start.toString());
        String url = m.group(1);
        long pid = Long.parseLong(m.group(2));
        assertTrue(cms("server", "status").out().startsWith("cms server running at " + url + " (PID " + pid + ")"));
        assertOneLineError(cms("server", "start", "--port", "0"), "already running at " + url);

        String[] key = getKey(url, "alice", "a-long-password", secret);
        assertEquals("alice", whoami(url, key).get("user").asText());

        ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
        server.destroyForcibly(); // SIGKILL: no shutdown hook runs
        server.onExit().get(10, TimeUnit.SECONDS);
        assertTrue(cms("server", "status").out().startsWith("cms server stopped (it did not stop cleanly"));

        BuiltShell.Result again = cms("server", "start", "--port", "0");
        assertEquals(0, again.status(), again.toString());
        Matcher m2 = RUNNING.matcher(again.out());
        assertTrue(m2.find(), again.toString());
        String url2 = m2.group(1);
        assertEquals("alice", whoami(url2, key).get("user").asText(), "the key survived the kill");

        BuiltShell.Result audit = cms("admin", "audit", "--output", "json");
        assertEquals(0, audit.status(), audit.toString());
        JsonNode trail = new ObjectMapper().readTree(audit.out());
        assertEquals("admin user add alice --project p1", trail.get(0).get("action").asText());
        assertEquals("local", trail.get(0).get("from").asText());
        assertEquals("GET /getkey", trail.get(1).get("action").asText());
        assertEquals("alice", trail.get(1).get("user").asText());
        assertTrue(trail.get(1).get("result").asText().startsWith("200"), trail.toString());
        assertEquals(2, new ObjectMapper().readTree(cms("admin", "audit", "--user", "alice", "--since", "1h", "--output", "json").out()).size() + 1);

        assertEquals(0, cms("admin", "user", "disable", "alice").status());
        Thread.sleep(1100);
        HttpResponse<String> refused = signedGet(url2, key, "/whoami");
        assertEquals(401, refused.statusCode());
        assertTrue(refused.body().contains("user alice is disabled"), refused.body());

        BuiltShell.Result stop = cms("server", "stop");
        assertEquals(0, stop.status(), stop.toString());
        assertTrue(stop.out().startsWith("cms server stopped (PID "), stop.toString());
        assertEquals("cms server stopped\n", cms("server", "status").out());
        assertEquals("cms server is not running\n", cms("server", "stop").out());
    }

    @Test
    void aPortInUseIsAOneLineError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertOneLineError(cms("server", "start", "--port", Integer.toString(port)), "port " + port + " on 127.0.0.1 is in use");
        }
        assertOneLineError(cms("server", "start", "--port", "70000"), "--port 70000");
    }

    @Test
    void adminInputErrorsAreOneLineAndChangeNothing() throws Exception {
        assertOneLineError(cms("admin", "user", "add", "bob", "--project", "p1"), "give it with --password-stdin");
        assertOneLineError(BuiltShell.run(home(), "short\n", "admin", "user", "add", "bob", "--project", "p1", "--password-stdin"), "too short");
        assertOneLineError(BuiltShell.run(home(), "a-long-password\n", "admin", "user", "add", "bo b", "--project", "p1", "--password-stdin"), "invalid user name 'bo b'");
        assertOneLineError(cms("admin", "user", "add", "bob"), "--project");
        assertEquals("[ ]", cms("admin", "user", "list", "--output", "json").out().strip(), "nothing was added");
        BuiltShell.Result add = BuiltShell.run(home(), "a-long-password\n", "admin", "user", "add", "bob", "--project", "p1", "--password-stdin");
        assertEquals(0, add.status(), add.toString());
        assertTrue(add.out().contains("otpauth://totp/cms:bob?secret="), add.toString());
        assertTrue(add.out().contains("\u2588"), "a QR code in half blocks: " + add);
        assertOneLineError(BuiltShell.run(home(), "a-long-password\n", "admin", "user", "add", "bob", "--project", "p1", "--password-stdin"), "user bob exists");
        assertOneLineError(cms("admin", "user", "disable", "carol"), "no user carol");
        assertOneLineError(cms("admin", "audit", "--since", "last tuesday"), "--since 'last tuesday'");
        BuiltShell.Result enroll = cms("admin", "user", "enroll", "bob", "--secret-only");
        assertTrue(enroll.out().strip().matches("[A-Z2-7]{32}"), enroll.toString());
    }

    private String[] getKey(String url, String user, String password, String secret) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/getkey"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .header(RequestSigner.OTP, Totp.codeAt(secret, Instant.now().getEpochSecond())).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = new ObjectMapper().readTree(r.body());
        return new String[] {j.get("key_name").asText(), j.get("key").asText()};
    }

    private HttpResponse<String> signedGet(String url, String[] key, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
        new RequestSigner(key[0], key[1]).sign("GET", path, null).forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode whoami(String url, String[] key) throws Exception {
        HttpResponse<String> r = signedGet(url, key, "/whoami");
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }
}
