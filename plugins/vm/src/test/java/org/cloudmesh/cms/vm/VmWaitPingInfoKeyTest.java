package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vm wait, vm ping, vm info and key upload as a user sees them, on the testbed's hypervisor and sshd. */
@Tag(TestbedSupport.INTEGRATION)
class VmWaitPingInfoKeyTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa805st+WyZijeGLz5FY/L+BM8CE+rEEUExoyS0PTnE test\n";

    @TempDir
    Path tmp;

    @Test
    void waitSaysWhenAVmRunsAndGivesUpOnAStoppedOneAfterTheTimeout() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String cloud = "w" + UUID.randomUUID().toString().substring(0, 6);
        String user = "u" + cloud;
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: %s}
                  cloud:
                    %s:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny}
                      credentials: {uri: "%s"}
                """.formatted(user, cloud, tb.libvirtUri()), new LibvirtProvider());
        shell.vars.put("cloud", cloud);
        try {
            assertEquals(0, shell.cms("vm", "boot", "--n", "2").status());
            TestContext.Run w = shell.cms("vm", "wait", user + "-vm-[1-2]", "--interval", "0.2", "--timeout", "5");
            assertEquals(0, w.status(), w.toString());
            assertEquals(user + "-vm-1 is running (it has no IP address to reach it by)\n" + user + "-vm-2 is running (it has no IP address to reach it by)\n",
                    w.out());

            TestContext.Run info = shell.cms("vm", "info", "--output", "json");
            assertEquals(0, info.status(), info.toString());
            assertTrue(info.out().contains("\"name\" : \"" + user + "-vm-2\""), "info of the last VM (variable vm): " + info);
            assertTrue(info.out().contains("\"cloud\" : \"" + cloud + "\""), info.toString());
            assertTrue(info.out().contains("\"state\" : \"running\""), info.toString());
            TestContext.Run infos = shell.cms("vm", "info", user + "-vm-[1-2]", "--output", "csv");
            assertEquals(3, infos.out().lines().count(), "a header and one row per VM: " + infos);
            assertTrue(infos.out().startsWith("name,cloud,kind,id,state,"), infos.toString());

            assertEquals(0, shell.cms("vm", "stop", user + "-vm-1").status());
            long t0 = System.nanoTime();
            TestContext.Run late = shell.cms("vm", "wait", user + "-vm-1", "--interval", "0.3", "--timeout", "1");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            VmCommandTest.assertError(late, "vm " + user + "-vm-1 unavailable after timeout of 1 s (state stopped)");
            assertTrue(ms < 4000, "gave up after about the timeout: " + ms + " ms");
            VmCommandTest.assertError(shell.cms("vm", "wait", "--timeout", "0"), "--interval and --timeout must be positive seconds");
        } finally {
            try (LibvirtConnection hv = LibvirtConnection.open(tb.libvirtUri())) {
                for (String n : hv.domains()) {
                    if (n.startsWith(user + "-")) {
                        if (hv.state(n).active()) hv.destroy(n);
                        hv.undefine(n);
                    }
                }
            }
        }
    }

    @Test
    void pingPrefixesEachVmAndWaitSaysAVmIsGone() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  cloud:
                    lab:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny, username: %s, ssh_port: %d}
                      credentials: {uri: "%s"}
                """.formatted(tb.user(), tb.sshPort(), tb.libvirtUri()), new LibvirtProvider());
        // two VMs as the cache records them, reachable at the testbed's sshd; the cloud (libvirt) does not hold them
        new VmCache(shell.home).update(m -> {
            for (String n : List.of("p1", "p2")) {
                m.put(n, new Vm(n, "lab", "libvirt", n, Vm.RUNNING, "none", "tiny", tb.sshHost(), null, null, null, Map.of()));
            }
        });

        TestContext.Run ping = shell.cms("vm", "ping", "p[1-2]");
        boolean havePing = Files.isExecutable(Path.of("/usr/bin/ping")) || Files.isExecutable(Path.of("/bin/ping"));
        if (havePing) {
            assertEquals(0, ping.status(), ping.toString());
            assertTrue(ping.out().contains("p1: PING " + tb.sshHost()), ping.toString());
            assertTrue(ping.out().contains("p2: 1 packets transmitted, 1 received"), ping.toString());
        } else {
            assertEquals(1, ping.status(), ping.toString());
            assertTrue(ping.err().contains("p1: ERROR: cannot run ping") && ping.err().contains("(install iputils-ping)"), ping.toString());
            assertTrue(ping.err().contains("p2: ERROR: cannot run ping"), ping.toString());
        }
        VmCommandTest.assertError(shell.cms("vm", "ping", "p1", "--count", "0"), "--count 0: give 1 to 100");
        VmCommandTest.assertError(shell.cms("vm", "ping", "nosuch"), "unknown vm nosuch: nothing done");
        // wait asks the cloud, which does not hold p1: said at once, not after the timeout
        TestContext.Run gone = shell.cms("vm", "wait", "p1", "--timeout", "2");
        VmCommandTest.assertError(gone, "vm p1 is gone from its cloud");
    }

    @Test
    void keyUploadNamesWhatIsMissingAndALibvirtCloudSaysItTakesKeysAtBoot() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: alice}
                  cloud:
                    lab:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny}
                      credentials: {uri: "%s"}
                """.formatted(tb.libvirtUri()), new LibvirtProvider());
        VmCommandTest.assertError(shell.cms("key", "upload", "--cloud", "lab"), "no key to upload: add one with 'key add [PATH]'");
        Path pub = tmp.resolve("id.pub");
        Files.writeString(pub, KEY);
        assertEquals(0, shell.cms("key", "add", pub.toString()).status());
        VmCommandTest.assertError(shell.cms("key", "upload", "bob", "--cloud", "lab"), "unknown key 'bob': add it with 'key add --name bob PATH'");
        VmCommandTest.assertError(shell.cms("key", "upload"), "no cloud chosen: use 'set cloud=NAME' or --cloud NAME (configured: lab)");
        VmCommandTest.assertError(shell.cms("key", "upload", "--cloud", "lab"), "this cloud kind does not keep keys: the key is given at boot");
        VmCommandTest.assertError(shell.cms("key", "upload", "--cloud", "gce"), "unknown cloud 'gce'");
    }
}
