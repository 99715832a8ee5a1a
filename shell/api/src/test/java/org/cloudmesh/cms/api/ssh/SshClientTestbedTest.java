package org.cloudmesh.cms.api.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SshClient against the testbed's real sshd, as the test user cmstest. */
@Tag(TestbedSupport.INTEGRATION)
class SshClientTestbedTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path home;

    TestbedSupport tb;
    SshClient ssh;

    @BeforeEach
    void connect() {
        tb = TestbedSupport.require();
        ssh = new SshClient(home.resolve("known_hosts"));
    }

    @AfterEach
    void close() {
        if (ssh != null) {
            ssh.close();
        }
    }

    @Test
    void runsACommandAsTheTestUserWithSlurmConfigured() {
        ExecResult r = ssh.exec(tb.target(), "id -un; echo \"$SLURM_CONF\"; sinfo -h -o %D", T);
        assertEquals(0, r.exitStatus(), r.stderr());
        assertEquals(tb.user() + "\n" + tb.slurmConf() + "\n" + tb.hosts().size() + "\n", r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void returnsNonZeroStatusAndStderr() {
        ExecResult r = ssh.exec(tb.target(), "echo out; echo 'bad thing' >&2; exit 3", T);
        assertEquals(3, r.exitStatus());
        assertEquals("out\n", r.stdout());
        assertEquals("bad thing\n", r.stderr());
        CmsException e = assertThrows(CmsException.class, () -> r.requireOk("cleanup"));
        assertEquals("cleanup failed (exit status 3): bad thing", e.getMessage());

        ExecResult missing = ssh.exec(tb.target(), "no-such-command-xyz", T);
        assertEquals(127, missing.exitStatus());
        assertTrue(missing.stderr().contains("no-such-command-xyz"), missing.stderr());
    }

    @Test
    void timeoutIsEnforcedAndTheRemoteCommandIsKilled() throws Exception {
        String marker = "sleep 20." + (1000 + new Random().nextInt(8999)); // unique: findable in the process list
        long start = System.nanoTime();
        CmsException e = assertThrows(CmsException.class,
                () -> ssh.exec(tb.target(), marker, Duration.ofSeconds(1)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 1000 && ms < 3000, "returned after " + ms + " ms");
        assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
        assertTrue(e.getMessage().contains(marker), e.getMessage());

        // the session is still usable, and the remote sleep is gone (pgrep's [p] keeps it from finding itself)
        String pattern = ShellQuote.quote(marker.replace("sleep", "slee[p]"));
        ExecResult left = null;
        for (int i = 0; i < 30; i++) {
            left = ssh.exec(tb.target(), "pgrep -u " + tb.user() + " -f " + pattern, T);
            if (left.exitStatus() == 1) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(1, left.exitStatus(), "still running remotely: " + left.stdout());
    }

    @Test
    void quotedHostileInputIsEchoedNeverRun() {
        String canary = ssh.exec(tb.target(), "mktemp /tmp/cms-canary.XXXXXX", T).requireOk("mktemp").stdout().strip();
        try {
            List<String> hostile = List.of("'; rm -rf /", "'; rm -f " + canary + "; echo '", "$(rm -f " + canary + ")",
                    "`rm -f " + canary + "`", "; rm -f " + canary, "a\nrm -f " + canary, "\\'; rm -f " + canary + " #",
                    "*", "~root", "$HOME", "ünïcödé ✓");
            for (String word : hostile) {
                ExecResult r = ssh.exec(tb.target(), "printf '%s' " + ShellQuote.quote(word), T);
                assertEquals(0, r.exitStatus(), r.stderr());
                assertEquals(word, r.stdout(), "echoed back exactly");
            }
            assertEquals(0, ssh.exec(tb.target(), "test -e " + ShellQuote.quote(canary), T).exitStatus(),
                    "the canary file survived every payload");
        } finally {
            ssh.exec(tb.target(), "rm -f " + ShellQuote.quote(canary), T);
        }
    }

    @Test
    void stdinReachesTheCommand() {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        ExecResult r = ssh.exec(tb.target(), "wc -c", data, T);
        assertEquals("300000", r.stdout().strip());
        assertEquals("hello\n", ssh.exec(tb.target(), "cat", "hello\n".getBytes(StandardCharsets.UTF_8), T).stdout());
        assertEquals("", ssh.exec(tb.target(), "cat", T).stdout(), "no stdin: cat reads end-of-file at once");
    }

    @Test
    void oneSessionServesManyCommandsAlsoConcurrently() throws Exception {
        ssh.exec(tb.target(), "true", T); // connect (and pay the first-exec stall)
        long[] ms = new long[50];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            assertEquals(0, ssh.exec(tb.target(), "true", T).exitStatus());
            ms[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(ms);
        System.out.printf("pooled ssh exec of 'true': median %.2f ms, p90 %.2f ms, min %.2f ms%n",
                ms[ms.length / 2] / 1000.0, ms[ms.length * 9 / 10] / 1000.0, ms[0] / 1000.0);
        assertTrue(ms[ms.length / 2] < 100_000, "a pooled exec takes milliseconds, not a new connection");

        ExecutorService pool = Executors.newFixedThreadPool(16); // more callers than channels per session
        try {
            List<Future<ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                int n = i;
                results.add(pool.submit(() -> ssh.exec(tb.target(), "sleep 0.05; echo " + n, T)));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i + "\n", results.get(i).get(60, TimeUnit.SECONDS).stdout());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, ssh.connects(), "every command went over the one pooled session");
    }

    @Test
    void aDroppedSessionIsReconnectedByTheNextCall() {
        assertEquals(0, ssh.exec(tb.target(), "true", T).exitStatus());
        // the shell's parent is sshd's process for this connection: ending it drops the pooled session
        ExecResult killed = ssh.exec(tb.target(), "kill $PPID; sleep 5", T);
        assertEquals(-1, killed.exitStatus(), "no exit status from a dropped connection");
        assertEquals("back\n", ssh.exec(tb.target(), "echo back", T).stdout());
        assertEquals(2, ssh.connects(), "one reconnect");
    }

    @Test
    void sftpPutAndGetRoundTrip() throws Exception {
        byte[] data = new byte[256 * 1024 + 17];
        new Random(11).nextBytes(data);
        Path local = Files.write(home.resolve("up.bin"), data);
        String remote = "/tmp/cms-sftp-" + UUID.randomUUID();
        try {
            ssh.put(tb.target(), local, remote);
            String sum = ssh.exec(tb.target(), "sha256sum " + remote, T).requireOk("sha256sum").stdout().split(" ")[0];
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), sum);
            Path back = home.resolve("down.bin");
            ssh.get(tb.target(), remote, back);
            assertArrayEquals(data, Files.readAllBytes(back));
        } finally {
            ssh.exec(tb.target(), "rm -f " + remote, T);
        }
        CmsException e = assertThrows(CmsException.class,
                () -> ssh.get(tb.target(), "/tmp/no-such-file-" + UUID.randomUUID(), home.resolve("x")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aKeyTheServerDoesNotKnowIsRefusedClearly() throws Exception {
        Path key = home.resolve("stranger");
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "ssh-keygen");
        SshTarget stranger = new SshTarget(tb.sshHost(), tb.sshPort(), tb.user(), key);
        CmsException e = assertThrows(CmsException.class, () -> ssh.exec(stranger, "true", T));
        assertTrue(e.getMessage().contains("refused the key " + key), e.getMessage());
        assertTrue(e.getMessage().contains("authorized_keys of " + tb.user()), e.getMessage());

        SshTarget missing = new SshTarget(tb.sshHost(), tb.sshPort(), tb.user(), home.resolve("nokey"));
        e = assertThrows(CmsException.class, () -> ssh.exec(missing, "true", T));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aClosedPortSaysConnectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed
        }
        SshTarget nobody = new SshTarget("127.0.0.1", port, tb.user(), tb.sshKey());
        CmsException e = assertThrows(CmsException.class, () -> ssh.exec(nobody, "true", T));
        assertEquals("ssh " + nobody + ": cannot connect to 127.0.0.1 port " + port
                + ": connection refused (is sshd running there, and is the port right?)", e.getMessage());
    }

    /** What a port forwarded to a booting VM does: it takes the connection and closes it before any ssh greeting. */
    @Test
    void aPortThatClosesBeforeTheGreetingSaysSo() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread closer = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket c = s.accept();
                        c.setSoLinger(true, 0); // a reset, as qemu's forwarder sends while the guest does not listen
                        c.close();
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            closer.setDaemon(true);
            closer.start();
            SshTarget booting = new SshTarget("127.0.0.1", s.getLocalPort(), tb.user(), tb.sshKey());
            CmsException e = assertThrows(CmsException.class, () -> ssh.exec(booting, "true", T));
            assertEquals("ssh " + booting + ": the connection was closed before the ssh greeting (still booting? a port"
                    + " forwarded to a VM takes connections before the VM's sshd listens)", e.getMessage());
        }
    }
}
