package org.cloudmesh.cms.comet.rename;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.comet.TestContext;
import org.cloudmesh.cms.comet.store.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;

/** comet node rename against the testbed's libvirtd: store and domain renamed together; bad input changes nothing. */
@Tag("integration")
class RenameTestbedTest {
    @TempDir
    Path home;
    TestContext cms;
    String vc;
    Connect observer;

    @BeforeEach
    void shell() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        vc = "rn" + Integer.toString(new Random().nextInt(1 << 30), 36);
        observer = new Connect(tb.libvirtUri());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Domain d : observer.listAllDomains(0)) {
            if (d.getName().contains(vc)) {
                if (d.isActive() == 1) d.destroy();
                d.undefine();
            }
        }
        observer.close();
        cms.close();
    }

    void ok(String... words) {
        int rc = cms.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + cms.printed() + cms.errText());
    }

    String fails(String... words) {
        int rc = cms.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + cms.printed() + cms.errText());
        String err = cms.errText().strip();
        assertTrue(err.startsWith("ERROR: ") && err.lines().count() == 1, err);
        return err;
    }

    /** A shut-off domain for a compute node on host c1, as a stopped VM of a computeset leaves it. */
    void domainOnC1(String node) throws Exception {
        String uuid = cms.service().store().node(vc, node).orElseThrow().uuid();
        observer.domainDefineXML("<domain type='test'><name>" + node + "</name><uuid>" + uuid + "</uuid>"
                + "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>").free();
        cms.service().store().setHost(vc, node, "c1");
    }

    List<String> names() {
        List<String> out = new ArrayList<>();
        for (Node n : cms.service().store().nodes(vc)) out.add(n.name());
        return out;
    }

    boolean defined(String name) throws Exception {
        for (String n : observer.listDefinedDomains()) if (n.equals(name)) return true;
        return false;
    }

    @Test
    void renamesStoreAndDomainTogether() throws Exception {
        ok("cluster", "create", vc, "--computes", "3");
        domainOnC1("vm-" + vc + "-0");
        ok("node", "rename", vc, "vm-" + vc + "-[0-1]", vc + "-n[00-01]", "--yes");
        assertEquals("vm-" + vc + "-0 -> " + vc + "-n00\nvm-" + vc + "-1 -> " + vc + "-n01\n"
                + "Renamed 2 node(s) of " + vc + " (1 libvirt domain(s)).\n", cms.printed());
        assertEquals(List.of(vc, vc + "-n00", vc + "-n01", "vm-" + vc + "-2"), names());
        assertTrue(defined(vc + "-n00"));
        assertTrue(!defined("vm-" + vc + "-0"));
        assertEquals(cms.service().store().node(vc, vc + "-n00").orElseThrow().uuid(),
                observer.domainLookupByName(vc + "-n00").getUUIDString());
    }

    @Test
    void badRequestsChangeNothing() throws Exception {
        ok("cluster", "create", vc, "--computes", "3");
        String n0 = "vm-" + vc + "-0";
        domainOnC1(n0);
        List<String> before = names();
        assertEquals("ERROR: OLDNAMES has 2 names and NEWNAMES 1: give hostlists of equal length; nothing renamed",
                fails("node", "rename", vc, "vm-" + vc + "-[0-1]", "x" + vc, "--yes"));
        assertEquals("ERROR: vm-" + vc + "-2 already exists in cluster " + vc + ": choose another name; nothing renamed",
                fails("node", "rename", vc, n0, "vm-" + vc + "-2", "--yes"));
        assertTrue(fails("node", "rename", vc, "vm-" + vc + "-[0-1]", "vm-" + vc + "-[1-2]", "--yes").contains("rename in two steps"));
        ok("cluster", "create", vc + "o", "--computes", "1");                  // another cluster, maybe another project's
        assertEquals("ERROR: vm-" + vc + "o-0 is a node of another cluster (libvirt domain names are shared by all "
                + "clusters): choose another name; nothing renamed", fails("node", "rename", vc, n0, "vm-" + vc + "o-0", "--yes"));
        assertTrue(fails("node", "rename", vc, "vm-" + vc + "-9", "x" + vc, "--yes").contains("has no node vm-" + vc + "-9"));
        assertTrue(fails("node", "rename", vc, vc, "x" + vc, "--yes").contains("is the frontend"));
        fails("node", "rename", vc, n0, "a<b", "--yes");                          // the hostlist parser refuses it
        assertEquals("ERROR: renaming needs confirmation: add --yes in scripts; nothing renamed",
                fails("node", "rename", vc, n0, "x" + vc));
        java.lang.reflect.Field answers = TestContext.class.getDeclaredField("answers");
        answers.setAccessible(true);
        answers.set(cms, new ArrayDeque<String>());            // the REPL: TestContext.confirm answers no
        ok("node", "rename", vc, n0, "x" + vc);
        assertTrue(cms.printed().endsWith("Aborted: nothing renamed.\n"), cms.printed());
        answers.set(cms, null);
        observer.domainLookupByName(n0).create();
        assertTrue(fails("node", "rename", vc, n0, "x" + vc, "--yes").contains("is active on c1: power it off first"));
        assertEquals(before, names());
        assertTrue(defined(n0) || observer.domainLookupByName(n0).isActive() == 1);
    }
}
