package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's session against the testbed. ssh: every VM of the loopback cloud is the testbed's sshd (real sshd, real
 * ssh on the manager, keys added to the sshd's authorized_keys as cloud-init would); lifecycle: VMs on the testbed's
 * libvirt test driver.
 */
@Tag(TestbedSupport.INTEGRATION)
class ClusterTestbedTest {
    @TempDir
    Path tmp;

    static TestContext loopback(Path home, TestbedSupport tb, String cloud, String extra) throws Exception {
        return new TestContext(home, """
                cloudmesh:
                  profile: {user: alice}
                  cloud:
                    %s:
                      cm: {kind: loopback}
                      default: {image: img, flavor: small, username: %s, ssh_port: %d, key: %s}
                      credentials: {address: %s, authorized_keys: %s%s}
                """.formatted(cloud, tb.user(), tb.sshPort(), tb.sshKey(), tb.sshHost(), authorizedKeys(tb), extra),
                new LoopbackProvider());
    }

    static Path authorizedKeys(TestbedSupport tb) {
        return tb.dir().resolve("ssh/authorized_keys").resolve(tb.user());
    }

    /** What the manager holds in its home, read over ssh. */
    static String onManager(TestbedSupport tb, Path home, String command) {
        try (SshClient ssh = new SshClient(home.resolve("known_hosts"))) {
            return ssh.exec(tb.target(), command, Duration.ofSeconds(30)).stdout();
        }
    }

    @Test
    void createSetsUpTrustAndRunPutGetWorkThroughTheManager() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String before = Files.readString(authorizedKeys(tb));
        String id = UUID.randomUUID().toString().substring(0, 6);
        String c = "t" + id;
        String d = "u" + id;
        TestContext shell = loopback(tmp.resolve("home"), tb, "lb" + id, ", addresses: {" + d + "-2: 127.0.0.9}");
        try {
            TestContext.Run create = shell.cms("cluster", "create", c, "--cloud", "lb" + id, "--count", "3");
            assertEquals(0, create.status(), create.toString());
            assertTrue(Files.readString(shell.home.resolve("known_hosts")).contains("[" + tb.sshHost() + "]:" + tb.sshPort()
                    + " " + tb.hostKey().split(" ")[0]), "the manager's host key is pinned");
            String hosts = onManager(tb, shell.home, "cat .cms/cluster/" + c + "/hosts; ls .cms/cluster/" + c);
            assertTrue(hosts.contains("127.0.0.1\t" + c + "-3\n") && hosts.contains("known_hosts") && hosts.contains("id_ed25519"), hosts);

            // the ssh-config inventory takes the system ssh client to a node through the manager, keys checked
            Path sshConfig = tmp.resolve("ssh_config");
            Files.writeString(sshConfig, shell.cms("cluster", "inventory", c, "--format", "ssh-config").out());
            Process direct = new ProcessBuilder("ssh", "-F", sshConfig.toString(), "-o", "BatchMode=yes", c + "-2", "echo via $(whoami)")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals("via " + tb.user() + "\n", new String(direct.getInputStream().readAllBytes()));
            assertEquals(0, direct.waitFor());

            TestContext.Run run = shell.cms("cluster", "run", c, "echo hi from $(whoami)");
            assertEquals(0, run.status(), run.toString());
            assertEquals(c + "-1: hi from " + tb.user() + "\n" + c + "-2: hi from " + tb.user() + "\n" + c + "-3: hi from "
                    + tb.user() + "\n", run.out());

            TestContext.Run some = shell.cms("cluster", "run", c, "--nodes", "manager," + c + "-2", "echo", "$SSH_CONNECTION");
            assertEquals(0, some.status(), some.toString());
            assertTrue(some.out().startsWith(c + "-manager: 127.0.0.1 ") && some.out().contains("\n" + c + "-2: 127.0.0.1 "), some.toString());

            TestContext.Run worst = shell.cms("cluster", "run", c, "echo out; echo err >&2; exit 3", "--nodes", c + "-[1-2]");
            assertEquals(3, worst.status(), worst.toString());
            assertTrue(worst.err().contains(c + "-2: err\n"), worst.toString());
            assertTrue(worst.err().contains("FAILED on 2 of 2 nodes: " + c + "-1 (exit 3: err), " + c + "-2 (exit 3: err)"), worst.toString());

            // a destination with a space and a quote reaches the nodes as one literal path
            Path local = tmp.resolve("payload.txt");
            Files.writeString(local, "payload 1\n");
            String remote = "/tmp/cms cluster '" + id + "'.txt";
            TestContext.Run put = shell.cms("cluster", "put", c, local.toString(), remote);
            assertEquals(0, put.status(), put.toString());
            TestContext.Run get = shell.cms("cluster", "get", c, remote, tmp.resolve("back").toString(), "--nodes", c + "-[1-2]");
            assertEquals(0, get.status(), get.toString());
            assertEquals("payload 1\n", Files.readString(tmp.resolve("back").resolve(c + "-2").resolve("cms cluster '" + id + "'.txt")));
            shell.cms("cluster", "run", c, "--nodes", c + "-1", "rm -f \"/tmp/cms cluster '" + id + "'.txt\"");

            // a node the manager cannot reach: setup names it, run still runs on the others and names it
            TestContext.Run bad = shell.cms("cluster", "create", d, "--cloud", "lb" + id, "--count", "2");
            assertEquals(1, bad.status(), bad.toString());
            assertTrue(bad.err().contains("the manager cannot reach " + d + "-2 (unreachable: ssh: connect to host 127.0.0.9 port "
                    + tb.sshPort()), bad.toString());
            TestContext.Run partial = shell.cms("cluster", "run", d, "echo ok");
            assertEquals(255, partial.status(), partial.toString());
            assertEquals(d + "-1: ok\n", partial.out());
            assertTrue(partial.err().contains("FAILED on 1 of 2 nodes: " + d + "-2 (unreachable: ssh: connect to host 127.0.0.9"), partial.toString());

            assertEquals(0, shell.cms("cluster", "delete", d, "--yes").status());
            TestContext.Run del = shell.cms("cluster", "delete", c, "--yes");
            assertEquals(0, del.status(), del.toString());
            assertEquals("", onManager(tb, shell.home, "ls -d .cms/cluster/" + c + " .cms/cluster/" + d + " 2>/dev/null"),
                    "the manager keeps nothing of deleted clusters");
            assertEquals(before, Files.readString(authorizedKeys(tb)), "the nodes' keys are gone with their VMs");
        } finally {
            shell.cms("cluster", "delete", c, "--yes");
            shell.cms("cluster", "delete", d, "--yes");
        }
    }

    @Test
    void theRoutesCreateChangeAndDeleteARealCluster() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String c = "r" + id;
        TestContext shell = loopback(tmp.resolve("home"), tb, "lb" + id, "");
        FakeRest api = new FakeRest();
        new ClusterRoutes().routes(api, shell);
        Principal alice = new Principal("alice", Set.of("p1"), false);
        try {
            FakeRest.Answer created = api.call(alice, "PUT", "/virtualcluster/" + c,
                    "{\"cloud\":\"lb" + id + "\",\"description\":\"made over REST\",\"nodes\":[{},{}]}");
            assertEquals(201, created.status(), created.json());
            assertEquals("/virtualcluster/" + c, created.headers().get("Location"));
            VirtualCluster vc = (VirtualCluster) created.body();
            assertEquals("p1", vc.project(), "the caller's only project");
            assertEquals(List.of(c + "-1", c + "-2"), vc.nodes().stream().map(Node::name).toList());

            FakeRest.Answer added = api.call(alice, "PUT", "/virtualcluster/" + c + "/gpu1", null);
            assertEquals(201, added.status(), added.json());
            assertEquals(List.of(c + "/gpu1"), added.audit());
            TestContext.Run run = shell.cms("cluster", "run", c, "--nodes", "gpu1", "echo reached");
            assertEquals("gpu1: reached\n", run.out(), "the added node is in the manager's ssh config");

            assertEquals(400, api.call(alice, "PUT", "/virtualcluster/" + c + "/manager2;x", null).status());
            assertEquals(200, api.call(alice, "DELETE", "/virtualcluster/" + c + "/gpu1", null).status());
            assertEquals(200, api.call(alice, "DELETE", "/virtualcluster/" + c, null).status());
            assertEquals(404, api.call(alice, "GET", "/virtualcluster/" + c, null).status());
        } finally {
            shell.cms("cluster", "delete", c, "--yes");
        }
    }

    @Test
    void lifecycleOnTheLibvirtTestDriver() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "lv" + id;
        String c = "v" + id;
        Path key = tmp.resolve("id_ed25519");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).start().waitFor();
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  cloud:
                    %s:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny, key: %s}
                      credentials: {uri: "%s"}
                """.formatted(cloud, key, tb.libvirtUri()), new LibvirtProvider());
        try (LibvirtConnection hv = LibvirtConnection.open(tb.libvirtUri())) {
            TestContext.Run create = shell.cms("cluster", "create", c, "--cloud", cloud, "--count", "2", "--no-setup");
            assertEquals(0, create.status(), create.toString());
            for (String n : List.of(c + "-manager", c + "-1", c + "-2")) assertEquals("running", hv.state(n).label(), n);
            TestContext.Run info = shell.cms("cluster", "info", c, "--output", "csv");
            assertTrue(info.out().contains(c + "-1,node,running,1,"), info.toString());

            assertEquals(0, shell.cms("cluster", "stop", c).status());
            for (String n : List.of(c + "-manager", c + "-1", c + "-2")) assertEquals("shut off", hv.state(n).label(), n);
            assertTrue(shell.cms("cluster", "list").out().contains("| " + c + " | " + cloud + " |"));
            assertTrue(shell.cms("cluster", "info", c).out().contains("| stopped |"));
            assertEquals(0, shell.cms("cluster", "start", c).status());
            assertEquals("running", hv.state(c + "-2").label());

            // the test driver's VMs have no address: setup says which after --wait, the VM stays in the cluster
            assertEquals(0, shell.cms("cluster", "add", c, "--count", "1", "--no-setup").status());
            TestContext.Run noAddress = shell.cms("cluster", "setup", c, "--wait", "1");
            assertEquals(1, noAddress.status(), noAddress.toString());
            assertTrue(noAddress.err().contains("cluster '" + c + "': ssh trust not set up: no address for ")
                    && noAddress.err().contains(" after 1 s"), noAddress.toString());
            assertEquals("running", hv.state(c + "-3").label());
            assertEquals(0, shell.cms("cluster", "remove", c, c + "-1").status());
            assertFalse(hv.exists(c + "-1"), "remove terminates the VM");

            // nodes of a flavor the cloud does not have fail; the cluster records them, the manager runs
            String f = "w" + id;
            TestContext.Run failed = shell.cms("cluster", "create", f, "--cloud", cloud, "--count", "2", "--no-setup",
                    "--flavor", "huge", "--manager-flavor", "tiny");
            assertEquals(1, failed.status(), failed.toString());
            assertTrue(failed.err().contains("flavor 'huge' not found") && failed.err().contains("remove with 'cluster remove " + f + " "
                    + f + "-[1-2]'"), failed.toString());
            assertTrue(shell.cms("cluster", "list").out().contains("| 1 running, 2 failed |"));
            assertEquals(0, shell.cms("cluster", "delete", f, "--yes").status());
            assertFalse(hv.exists(f + "-manager"));

            assertEquals(0, shell.cms("cluster", "delete", c, "--yes").status());
            for (String n : hv.domains()) assertFalse(n.startsWith(c + "-") || n.startsWith(f + "-"), "left on the hypervisor: " + n);
        } finally {
            shell.cms("cluster", "delete", c, "--yes");
            shell.cms("cluster", "delete", "w" + id, "--yes");
        }
    }
}
