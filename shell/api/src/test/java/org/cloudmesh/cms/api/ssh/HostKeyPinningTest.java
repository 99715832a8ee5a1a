package org.cloudmesh.cms.api.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust on first use, then pinning, against the testbed's sshd and its ed25519 host key. */
@Tag(TestbedSupport.INTEGRATION)
class HostKeyPinningTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path home;

    TestbedSupport tb;
    Path knownHosts;

    @BeforeEach
    void testbed() {
        tb = TestbedSupport.require();
        knownHosts = home.resolve("known_hosts");
    }

    @Test
    void firstConnectPinsTheKeyAndTheNextClientUsesThePin() throws Exception {
        assertFalse(Files.exists(knownHosts));
        try (SshClient first = new SshClient(knownHosts)) {
            assertEquals(0, first.exec(tb.target(), "true", T).exitStatus());
        }
        List<String> pinned = Files.readAllLines(knownHosts);
        assertEquals(List.of(tb.knownHostsLine()), pinned, "the key the testbed advertises is the key we pinned");

        try (SshClient second = new SshClient(knownHosts)) {
            assertEquals(0, second.exec(tb.target(), "true", T).exitStatus());
            assertEquals(KnownHosts.Match.PINNED, second.knownHosts().check(tb.target().knownHostsName(),
                    Base64.getDecoder().decode(tb.hostKey().split(" ")[1])).match());
        }
        assertEquals(pinned, Files.readAllLines(knownHosts), "nothing added on the second connect");
    }

    @Test
    void aChangedHostKeyRefusesToConnectAndSaysHowToRecover() throws Exception {
        String host = tb.target().knownHostsName();
        String tampered = host + " ssh-ed25519 " + KnownHostsTest.KEY2;
        Files.writeString(knownHosts, "# pinned earlier\n" + tampered + "\n");

        CmsException e;
        try (SshClient ssh = new SshClient(knownHosts)) {
            e = assertThrows(CmsException.class, () -> ssh.exec(tb.target(), "true", T));
        }
        String m = e.getMessage();
        String serverFingerprint = KnownHosts.fingerprint(Base64.getDecoder().decode(tb.hostKey().split(" ")[1]));
        assertTrue(m.startsWith("ssh " + tb.target() + ": the host key of " + host + " has changed"), m);
        assertTrue(m.contains("the server sent ssh-ed25519 " + serverFingerprint), m);
        assertTrue(m.contains(knownHosts + " line 2 pins ssh-ed25519 " + KnownHostsTest.FP2), m);
        assertTrue(m.endsWith("forget the old key with: ssh-keygen -R '" + host + "' -f " + knownHosts), m);
        assertFalse(m.contains("\n"), "one line");
        assertEquals(List.of("# pinned earlier", tampered), Files.readAllLines(knownHosts), "the pin is untouched");

        // the advice works: run it, and the next connect trusts the (real) key again
        String command = m.substring(m.indexOf("ssh-keygen -R"));
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "ran: " + command);
        try (SshClient ssh = new SshClient(knownHosts)) {
            assertEquals(0, ssh.exec(tb.target(), "true", T).exitStatus());
        }
        assertTrue(Files.readAllLines(knownHosts).contains(tb.knownHostsLine()));
    }

    @Test
    void aRevokedHostKeyIsRefused() throws Exception {
        Files.writeString(knownHosts, tb.knownHostsLine() + "\n@revoked * " + tb.hostKey() + "\n");
        try (SshClient ssh = new SshClient(knownHosts)) {
            CmsException e = assertThrows(CmsException.class, () -> ssh.exec(tb.target(), "true", T));
            assertTrue(e.getMessage().contains("is marked @revoked in " + knownHosts + " line 2"), e.getMessage());
        }
    }
}
