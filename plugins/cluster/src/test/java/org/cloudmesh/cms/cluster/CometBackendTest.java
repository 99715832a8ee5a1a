package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.comet.nist.CometClusters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Comet's clusters through the ClusterBackend extension point: created, listed, shown and deleted with 'cluster'. */
class CometBackendTest {
    @TempDir
    Path tmp;
    TestContext shell;

    @BeforeEach
    void shell() throws Exception {
        shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: alice}
                  comet:
                    active: sdsc
                    endpoints:
                      sdsc:
                        slurm: {host: 127.0.0.1, user: cmstest, key: /nonexistent/key, account: cmsproj}
                        libvirt: {hosts: {c1: "test:///default"}}
                  cloud:
                    lb:
                      cm: {kind: loopback}
                      default: {image: img, flavor: small}
                """, new LoopbackProvider(), new CometClusters());
    }

    @Test
    void aCometEndpointIsACloudForClusterCreateAndItsClustersAreListedBesideTheOthers() {
        TestContext.Run create = shell.cms("cluster", "create", "vc1", "--cloud", "sdsc", "--count", "2", "--flavor", "large",
                "--project", "p2", "--description", "on comet");
        assertEquals(0, create.status(), create.toString());
        assertTrue(create.out().contains("| vc1      | manager | stopped | 4    | 4096MiB | 20GiB | 10.0.0.1 |"), create.toString());
        assertTrue(create.out().contains("| vm-vc1-1 | node    | stopped | 4    | 4096MiB | 20GiB | 10.0.0.3 |"), create.toString());

        TestContext.Run list = shell.cms("cluster", "list", "--output", "csv");
        assertEquals("name,cloud,project,owner,manager,nodes,state\nvc1,sdsc,p2,alice,vc1,2,stopped\n", list.out());
        TestContext.Run json = shell.cms("cluster", "info", "vc1", "--output", "json");
        assertTrue(json.out().contains("\"description\" : \"on comet\"") && json.out().contains("\"mac\" : \"52:54:00:"), json.out());

        TestContext.Run clash = shell.cms("cluster", "create", "vc1", "--cloud", "lb", "--count", "1", "--no-setup");
        assertTrue(clash.err().contains("cluster 'vc1' already exists as a comet cluster"), clash.toString());
        TestContext.Run add = shell.cms("cluster", "add", "vc1");
        assertEquals("ERROR: cluster 'vc1' is a comet cluster: use the comet commands for this\n", add.err());
        TestContext.Run unknown = shell.cms("cluster", "create", "vc2", "--cloud", "nosuch", "--count", "1");
        assertTrue(unknown.err().contains("configured clouds are lb, sdsc (comet)"), unknown.toString());

        FakeRest api = new FakeRest();
        new ClusterRoutes().routes(api, shell);
        assertEquals("vc1", ((VirtualCluster) api.call(new Principal("bob", Set.of("p2"), false), "GET", "/virtualcluster/vc1", null).body()).name());
        assertEquals(404, api.call(new Principal("eve", Set.of("p1"), false), "GET", "/virtualcluster/vc1", null).status());
        assertEquals(409, api.call(new Principal("bob", Set.of("p2"), false), "DELETE", "/virtualcluster/vc1/vm-vc1-0", null).status());

        assertEquals(0, shell.cms("cluster", "delete", "vc1", "--yes").status());
        assertFalse(shell.cms("cluster", "list").out().contains("vc1"));
    }
}
