package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;

/**
 * A real {@code cms server} from the built distribution, for the comet tests of remote mode: its own
 * CLOUDMESH_HOME with the testbed's endpoint, a user enrolled with TOTP ({@code admin user add --password-stdin
 * --secret-only}), a fixed free port (so a restarted server is at the same URL), started and stopped by PID.
 */
final class CmsServer implements AutoCloseable {
    static final String PASSWORD = "correct-horse-battery";
    final Path home;
    final int port;
    final String user;
    final String project;
    private String secret;
    long pid;
    String url;
    /** The last TOTP step used per secret: the server takes each code once. */
    private final java.util.Map<String, Long> lastStep = new java.util.HashMap<>();

    CmsServer(Path home, String user, String project) throws IOException {
        this.home = home;
        this.user = user;
        this.project = project;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    /** Sets up the home (testbed endpoint, fast reconciliation, the user) and starts the server. */
    static CmsServer start(TestbedSupport tb, Path home, String user, String project) throws Exception {
        return start(tb, home, user, project, "local");
    }

    /** As above, serving the testbed's comet endpoint {@code endpoint} (local: test driver; guests: real guests). */
    static CmsServer start(TestbedSupport tb, Path home, String user, String project, String endpoint) throws Exception {
        BuiltShell.requirePlugin("comet");
        CmsServer s = new CmsServer(home, user, project);
        s.ok(null, "config", "import", tb.fragment().toString());
        s.ok(null, "comet", "active", endpoint);
        s.ok(null, "config", "set", "cloudmesh.comet.server.reconcile_interval=1s");
        s.secret = s.addUser(user, project);
        s.start();
        return s;
    }

    String addUser(String name, String proj) throws Exception {
        return ok(PASSWORD + "\n", "admin", "user", "add", name, "--project", proj, "--password-stdin", "--secret-only").out().strip();
    }

    BuiltShell.Result ok(String stdin, String... args) throws Exception {
        BuiltShell.Result r = BuiltShell.run(home, stdin, args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r);
        return r;
    }

    void start() throws Exception {
        BuiltShell.Result r = ok(null, "server", "start", "--port", String.valueOf(port));
        Matcher m = Pattern.compile("running at (http://\\S+) \\(PID ([0-9]+)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        url = m.group(1);
        pid = Long.parseLong(m.group(2));
    }

    /** SIGKILL, as a crash or the OOM killer would. */
    void kill9() throws InterruptedException {
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
        p.destroyForcibly();
        p.onExit().join();
    }

    @Override
    public void close() throws Exception {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            BuiltShell.run(home, null, "server", "stop");
            ProcessHandle.of(pid).ifPresent(p -> {
                if (p.isAlive()) p.destroyForcibly();
            });
        }
    }

    /**
     * A TOTP code (RFC 6238, SHA-1, 30 s, 6 digits) the server has not seen yet. The server takes the codes of the
     * step before, the current one and the next (clock drift), each once and in order: a test gets three at once, then
     * waits for the next step. The step before is used only with 10 s of the current step left, so that it still
     * counts when the server checks it. Each user's codes are its own: see {@link #enroll}.
     */
    synchronized String code() throws InterruptedException {
        return code(secret);
    }

    /** A fresh code of the user {@code who} (the first user, or one of {@link #secrets}). */
    String codeOf(String who) throws InterruptedException {
        return who.equals(user) ? code() : code(secrets.get(who));
    }

    synchronized String code(String base32) throws InterruptedException {
        long ms = System.currentTimeMillis();
        long now = ms / 30_000;
        long step = Math.max(ms % 30_000 < 20_000 ? now - 1 : now, lastStep.getOrDefault(base32, -1L) + 1);
        while (step > now + 1) {
            Thread.sleep(500);
            now = System.currentTimeMillis() / 30_000;
        }
        lastStep.put(base32, step);
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(base32(base32), "HmacSHA1"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int o = h[h.length - 1] & 15;
            int bin = ((h[o] & 0x7f) << 24) | ((h[o + 1] & 0xff) << 16) | ((h[o + 2] & 0xff) << 8) | (h[o + 3] & 0xff);
            return String.format("%06d", bin % 1_000_000);
        } catch (java.security.GeneralSecurityException x) {
            throw new AssertionError(x);
        }
    }

    static byte[] base32(String s) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : s.toUpperCase().toCharArray()) {
            int v = alphabet.indexOf(c);
            if (v < 0) continue;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    /** A client shell in this JVM whose active endpoint is this server, set up by 'comet init'. */
    TestContext client(Path clientHome) throws Exception {
        return client(clientHome, user);
    }

    TestContext client(Path clientHome, String who) throws Exception {
        Files.createDirectories(clientHome);
        TestContext c = new TestContext(clientHome);
        InputStream in = System.in;
        try {
            System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
            int rc = c.run("init", "--url", url, "--user", who, "--otp", codeOf(who),
                    "--password-stdin");
            assertEquals(0, rc, c.printed() + c.errText());
        } finally {
            System.setIn(in);
        }
        return c;
    }

    final java.util.Map<String, String> secrets = new java.util.HashMap<>();
    private int enrolled;

    /**
     * A new user of this server's project, for a test of its own: a user's one-time codes are taken once each, so
     * tests that share a user wait for the next 30 s step; tests with their own do not.
     */
    synchronized String enroll() throws Exception {
        String name = user + "-" + ++enrolled;
        addOther(name, project);
        return name;
    }

    /** Another user, in another project. */
    void addOther(String name, String proj) throws Exception {
        secrets.put(name, addUser(name, proj));
    }

    /** An administrator of the server (sees every project, may manage reservations). */
    void addAdmin(String name, String proj) throws Exception {
        secrets.put(name, ok(PASSWORD + "\n", "admin", "user", "add", name, "--project", proj, "--admin", "--password-stdin",
                "--secret-only").out().strip());
    }
}
