package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input and faults, on a cloud that needs no testbed (boot and record only: --no-setup). */
class ClusterCommandTest {
    @TempDir
    Path tmp;
    String cloud;
    TestContext shell;

    @BeforeEach
    void shell() throws Exception {
        cloud = "lb" + UUID.randomUUID().toString().substring(0, 6);
        Path key = tmp.resolve("id_ed25519");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).start().waitFor();
        shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: alice}
                  cloud:
                    %s:
                      cm: {kind: loopback}
                      default: {image: ubuntu-22.04, flavor: small, key: %s}
                      credentials: {fail: "f1-2"}
                    nokind:
                      cm: {kind: nosuchkind}
                """.formatted(cloud, key), new LoopbackProvider());
    }

    @Test
    void createRecordsTheClusterAndListAndInfoShowTheNistFields() {
        TestContext.Run r = shell.cms("cluster", "create", "c1", "--cloud", cloud, "--count", "2", "--no-setup",
                "--description", "lab cluster");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("| c1-manager | manager | running |"), r.toString());
        assertTrue(r.out().contains("| c1-2       | node    | running |"), r.toString());

        TestContext.Run list = shell.cms("cluster", "list", "--output", "csv");
        assertEquals("name,cloud,project,owner,manager,nodes,state\nc1," + cloud + ",,alice,c1-manager,2,running\n", list.out());

        TestContext.Run info = shell.cms("cluster", "info", "c1", "--output", "json");
        assertEquals(0, info.status(), info.toString());
        for (String field : new String[] {"\"name\" : \"c1\"", "\"description\" : \"lab cluster\"", "\"owner\" : \"alice\"",
                "\"manager\" : {", "\"state\" : \"running\"", "\"ncpu\" : 1", "\"ram\" : \"256MiB\"", "\"nics\" : [",
                "\"ip\" : \"127.0.0.1\""}) {
            assertTrue(info.out().contains(field), field + " in\n" + info.out());
        }
        assertTrue(Files.isRegularFile(shell.home.resolve("cluster/clusters.yaml")));
        assertTrue(Files.isRegularFile(shell.home.resolve("cluster/c1/id_ed25519")), "the cluster's own key pair");

        TestContext.Run hosts = shell.cms("cluster", "inventory", "c1", "--format", "hosts");
        assertEquals("# cms cluster c1\n127.0.0.1\tc1-manager\tmanager\n127.0.0.1\tc1-1\n127.0.0.1\tc1-2\n", hosts.out());
        TestContext.Run ansible = shell.cms("cluster", "inventory", "c1");
        assertTrue(ansible.out().contains("[manager]\nc1-manager ansible_host=127.0.0.1 ansible_port=22 ansible_user=ubuntu"), ansible.out());
        assertTrue(ansible.out().contains("ProxyCommand=\"ssh -W %h:%p -p 22"), ansible.out());
        assertTrue(shell.cms("cluster", "inventory", "c1", "--format", "ssh-config").out().contains("  ProxyJump c1-manager\n"));

        TestContext.Run add = shell.cms("cluster", "add", "c1", "--count", "2", "--no-setup");
        assertEquals(0, add.status(), add.toString());
        assertTrue(add.out().contains("| c1-4 "), add.toString());
        assertEquals(0, shell.cms("cluster", "remove", "c1", "c1-[1,3]").status());
        TestContext.Run after = shell.cms("cluster", "info", "c1", "--output", "csv");
        assertFalse(after.out().contains("c1-1,"), after.out());
        assertTrue(after.out().contains("c1-2,node,running") && after.out().contains("c1-4,node,running"), after.out());

        assertEquals(0, shell.cms("cluster", "stop", "c1").status());
        assertTrue(shell.cms("cluster", "list").out().contains("| stopped |"));
        assertEquals(0, shell.cms("cluster", "start", "c1").status());

        TestContext.Run refused = shell.cms("cluster", "delete", "c1");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("needs --yes when not at the prompt"), refused.toString());
        shell.interactive = true;
        shell.answer = false;
        assertEquals(1, shell.cms("cluster", "delete", "c1").status(), "answered no: kept");
        assertTrue(shell.cms("cluster", "list").out().contains("c1"));
        shell.answer = true;
        assertEquals(0, shell.cms("cluster", "delete", "c1").status());
        assertTrue(LoopbackProvider.CLOUDS.get(cloud).isEmpty(), "every VM terminated");
        assertFalse(shell.cms("cluster", "list").out().contains("c1"));
        assertFalse(Files.exists(shell.home.resolve("cluster/c1")), "the cluster's key is gone with it");
    }

    @Test
    void badInputIsOneClearLineAndChangesNothing() {
        TestContext.Run unknown = shell.cms("cluster", "create", "c1", "--cloud", "nosuch", "--count", "2");
        assertEquals(1, unknown.status());
        assertEquals("ERROR: unknown cloud 'nosuch': configured clouds are " + cloud + ", nokind (add one under cloudmesh.cloud in "
                + shell.home.resolve("cloudmesh.yaml") + ")\n", unknown.err());

        TestContext.Run zero = shell.cms("cluster", "create", "c1", "--cloud", cloud, "--count", "0");
        assertEquals(1, zero.status());
        assertTrue(zero.err().startsWith("ERROR: --count 0: a cluster needs 1 to 1000 nodes"), zero.toString());

        TestContext.Run kind = shell.cms("cluster", "create", "c1", "--cloud", "nokind", "--count", "1");
        assertTrue(kind.err().contains("no plugin provides that kind"), kind.toString());

        TestContext.Run badName = shell.cms("cluster", "create", "a;rm", "--cloud", cloud, "--count", "1");
        assertTrue(badName.err().contains("invalid cluster name 'a;rm'"), badName.toString());

        TestContext.Run noCloud = shell.cms("cluster", "create", "c1", "--count", "1");
        assertTrue(noCloud.err().startsWith("ERROR: no cloud chosen"), noCloud.toString());
        assertFalse(Files.exists(shell.home.resolve("cluster/clusters.yaml")), "nothing recorded");

        assertEquals(0, shell.cms("cluster", "create", "c1", "--cloud", cloud, "--count", "1", "--no-setup").status());
        TestContext.Run clash = shell.cms("cluster", "create", "c1", "--cloud", cloud, "--count", "1", "--no-setup");
        assertEquals(1, clash.status());
        assertTrue(clash.err().contains("cluster 'c1' already exists on cloud " + cloud), clash.toString());

        // a VM of that name is already at the cloud (made outside the cluster): nothing is booted
        LoopbackProvider p = new LoopbackProvider();
        p.open(org.cloudmesh.cms.api.compute.ProviderConfig.of(shell.config(), cloud)).boot(new BootRequest("c2-1", "img", "small", null, null, null, null, "u"));
        TestContext.Run vmClash = shell.cms("cluster", "create", "c2", "--cloud", cloud, "--count", "2", "--no-setup");
        assertEquals(1, vmClash.status());
        assertTrue(vmClash.err().contains("vm c2-1 already exists on cloud " + cloud + ": choose another cluster name (nothing was booted)"),
                vmClash.toString());
        assertEquals(3, LoopbackProvider.CLOUDS.get(cloud).size(), "c1-manager, c1-1 and the outsider only: "
                + LoopbackProvider.CLOUDS.get(cloud).keySet());

        TestContext.Run manager = shell.cms("cluster", "remove", "c1", "c1-manager");
        assertEquals(1, manager.status());
        assertTrue(manager.err().contains("cannot remove the manager c1-manager of cluster 'c1': delete the whole cluster"), manager.toString());
        TestContext.Run alias = shell.cms("cluster", "remove", "c1", "manager");
        assertTrue(alias.err().contains("cannot remove the manager"), alias.toString());
        TestContext.Run noNode = shell.cms("cluster", "remove", "c1", "c1-[1-3]");
        assertTrue(noNode.err().contains("cluster 'c1' has no node c1-[2-3]: nothing removed"), noNode.toString());
        assertTrue(shell.cms("cluster", "info", "c1", "--output", "csv").out().contains("c1-1,node,running"), "c1-1 kept");

        TestContext.Run format = shell.cms("cluster", "inventory", "c1", "--format", "xml");
        assertTrue(format.err().contains("unknown inventory format 'xml': use ansible, hosts or ssh-config"), format.toString());
        TestContext.Run nocluster = shell.cms("cluster", "info", "nosuch");
        assertEquals("ERROR: unknown cluster 'nosuch': see 'cluster list'\n", nocluster.err());
        assertEquals(0, shell.cms("cluster", "delete", "c1", "--yes").status());
    }

    @Test
    void aNodeThatFailsToBootIsRecordedAsFailedAndTheMessageSaysHowToGoOn() {
        TestContext.Run r = shell.cms("cluster", "create", "f1", "--cloud", cloud, "--count", "3", "--no-setup");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("ERROR: f1-2 failed to boot: cloud '" + cloud + "': cannot boot vm f1-2: quota exceeded"
                + " (the cluster records f1-2 as failed: remove with 'cluster remove f1 f1-2', then retry with 'cluster add f1 --count 1')"),
                r.toString());
        var entry = shell.audit.get(shell.audit.size() - 1);
        assertEquals("cluster create f1 --cloud " + cloud + " --count 3", entry.action());
        assertEquals("f1", entry.cluster());
        assertTrue(entry.result().startsWith("f1-2 failed to boot"), entry.toString());
        TestContext.Run info = shell.cms("cluster", "info", "f1", "--output", "csv");
        assertTrue(info.out().contains("f1-2,node,failed"), info.out());
        assertTrue(info.out().contains("f1-3,node,running"), info.out());
        assertTrue(shell.cms("cluster", "list").out().contains("| 3 running, 1 failed |"));

        assertEquals(0, shell.cms("cluster", "remove", "f1", "f1-2").status());
        TestContext.Run retry = shell.cms("cluster", "add", "f1", "--count", "1", "--no-setup");
        assertEquals(0, retry.status(), retry.toString());
        assertTrue(retry.out().contains("| f1-4 "), retry.toString());
        assertEquals(0, shell.cms("cluster", "delete", "f1", "--yes").status());
        assertTrue(LoopbackProvider.CLOUDS.get(cloud).isEmpty(), "nothing left at the cloud");
    }
}
