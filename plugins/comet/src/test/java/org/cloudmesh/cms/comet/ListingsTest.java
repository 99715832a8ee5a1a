package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user reads in comet's listings right after 'comet cluster create' (no testbed needed). */
class ListingsTest {
    @TempDir
    Path home;
    TestContext cms;

    @BeforeEach
    void endpoint() {
        cms = new TestContext(home);
        cms.importYaml("""
                cloudmesh:
                  comet:
                    active: unit
                    endpoints:
                      unit:
                        slurm: {host: 127.0.0.1, port: 1, user: cmstest, key: /nonexistent, account: acct1}
                        libvirt: {hosts: {c1: "test:///default"}}
                """);
        assertEquals(0, cms.run("cluster", "create", "vc1", "--computes", "2"), cms.errText());
    }

    @AfterEach
    void close() {
        cms.close();
    }

    @Test
    void theClusterHeaderNamesTheFrontendsIpAndHowToPowerItOn() {
        assertEquals(0, cms.run("cluster", "vc1", "--status"), cms.errText());
        assertTrue(cms.printed().startsWith("Cluster: vc1\tFrontend: vc1\tIP: 10.0.0.1\tState: stopped (comet power on vc1 starts it)\n"),
                cms.printed());
        assertTrue(cms.printed().contains("| vc1      | stopped |"), cms.printed());
    }

    @Test
    void oneComputeNodeIsNamedPlainly() {
        assertEquals(0, cms.run("cluster", "create", "vc2", "--computes", "1"), cms.errText());
        assertEquals("Created cluster vc2 on endpoint unit: frontend vc2, compute nodes vm-vc2-0, allocations acct1\n", cms.printed());
    }

    @Test
    void noActiveComputesetIsASentenceNotAnEmptyTable() {
        assertEquals(0, cms.run("computeset"), cms.errText());
        assertEquals("No active computesets; 'comet computeset --state all' lists the ended ones too.\n", cms.printed());
        assertEquals(0, cms.run("computeset", "--cluster", "vc1"), cms.errText());
        assertEquals("No active computesets of vc1; 'comet computeset --state all' lists the ended ones too.\n", cms.printed());
        assertEquals(0, cms.run("computeset", "--state", "all", "--output", "csv"), cms.errText());
        assertTrue(cms.printed().startsWith("id,cluster,state,"), "a script still gets its header: " + cms.printed());
    }
}
