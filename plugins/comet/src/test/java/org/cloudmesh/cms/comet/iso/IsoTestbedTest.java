package org.cloudmesh.cms.comet.iso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.comet.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * ISO images on the testbed's libvirtd (test driver: a change is a redefinition): upload checks, attach to a
 * running frontend, the live cdrom unchanged across reboot and reset, changed after power off and on.
 */
@Tag("integration")
class IsoTestbedTest {
    @TempDir
    Path home;
    @TempDir
    Path isoDir;
    TestContext cms;
    String vc;
    Connect observer;
    TestbedSupport tb;

    @BeforeEach
    void shell() throws Exception {
        tb = TestbedSupport.require();
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        cms.importYaml("cloudmesh: {comet: {endpoints: {local: {iso_dir: '" + isoDir + "'}}}}");
        vc = "iso" + Integer.toString(new Random().nextInt(1 << 30), 36);
        observer = new Connect(tb.libvirtUri());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Domain d : observer.listAllDomains(0)) {
            if (d.getName().equals(vc) || d.getName().startsWith("vm-" + vc + "-")) {
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

    static Path iso(Path dir, String name) throws Exception {
        byte[] b = new byte[0x9000];
        System.arraycopy("\u0001CD001".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, b, 0x8000, 6);
        new Random(1).nextBytes(new byte[1]);
        return Files.write(dir.resolve(name), b);
    }

    String liveCdrom() throws Exception {
        Domain d = observer.domainLookupByName(vc);
        return Isos.cdromFile(d.getXMLDesc(0));
    }

    @Test
    void uploadChecksTheImageAndNeverOverwrites(@TempDir Path src) throws Exception {
        Path good = iso(src, "centos.iso");
        Path text = Files.writeString(src.resolve("notes.iso"), "not an image\n".repeat(4000));
        ok("iso", "list");
        assertTrue(cms.printed().contains("No ISO images"));
        ok("iso", "upload", good.toString());
        assertTrue(cms.printed().startsWith("Uploaded centos.iso (36864 bytes, sha256 "), cms.printed());
        assertTrue(Files.exists(isoDir.resolve("centos.iso")));
        ok("iso", "upload", good.toString(), "--isoname", "b-copy.iso");
        ok("iso", "list");
        assertEquals("1: b-copy.iso\n2: centos.iso\n", cms.printed());
        ok("iso", "list", "--output", "csv");
        assertTrue(cms.printed().contains("centos.iso,36864,"), cms.printed());

        assertTrue(fails("iso", "upload", good.toString()).contains("an ISO named 'centos.iso' already exists"));
        assertTrue(fails("iso", "upload", text.toString()).contains("is not an ISO 9660 image"));
        assertTrue(fails("iso", "upload", src.resolve("missing.iso").toString()).contains("no such file"));
        assertTrue(fails("iso", "upload", good.toString(), "--isoname", "../x").contains("invalid ISO name"));
        ok("cluster", "create", vc, "--computes", "1");
        assertTrue(fails("iso", "attach", "3", vc).contains("'3' does not match any from the ISO list (1-2"));
        assertTrue(fails("iso", "attach", "nosuch.iso", vc).contains("does not match any"));
        assertTrue(fails("iso", "attach", "1", vc, "vm-" + vc + "-[0-5]").contains("has no node vm-" + vc + "-[1-5]"));
        ok("iso", "list");
        assertEquals("1: b-copy.iso\n2: centos.iso\n", cms.printed());       // nothing changed
        try (var files = Files.list(isoDir)) {
            assertEquals(2, files.count());                                  // no partial copies left
        }
        ok("node", "info", vc, "vm-" + vc + "-0", "--output", "json");
        assertTrue(cms.printed().contains("\"iso\" : null"), cms.printed());
    }

    @Test
    void attachTakesEffectAtTheNextColdStartOnly(@TempDir Path src) throws Exception {
        ok("iso", "upload", iso(src, "rocky.iso").toString());
        ok("cluster", "create", vc, "--computes", "1");
        ok("power", "on", vc);
        assertNull(liveCdrom());

        ok("iso", "attach", "rocky.iso", vc);
        assertEquals(vc + ": ISO rocky.iso attached; takes effect at the next power off and on (not on reboot or reset)\n",
                cms.printed());
        assertNull(liveCdrom(), "the running domain must not change");
        ok("node", "info", vc, "--output", "json");
        assertTrue(cms.printed().contains("\"iso_pending\" : \"rocky.iso at the next power off and on\""), cms.printed());

        ok("power", "reboot", vc);
        assertNull(liveCdrom(), "reboot keeps the old cdrom");
        ok("power", "reset", vc);
        assertNull(liveCdrom(), "reset keeps the old cdrom");

        ok("power", "off", vc);
        ok("power", "on", vc);
        assertEquals(isoDir.resolve("rocky.iso").toString(), liveCdrom());
        ok("node", "info", vc, "--output", "json");
        assertTrue(cms.printed().contains("\"iso\" : \"rocky.iso\""), cms.printed());
        assertTrue(cms.printed().contains("\"iso_pending\" : null"), cms.printed());

        ok("iso", "detach", vc);
        assertEquals(isoDir.resolve("rocky.iso").toString(), liveCdrom());
        ok("node", "info", vc, "--output", "json");
        assertTrue(cms.printed().contains("\"iso_pending\" : \"detach at the next power off and on\""), cms.printed());
        ok("power", "off", vc);
        ok("power", "on", vc);
        assertNull(liveCdrom());
        assertFalse(cms.printed().contains("ERROR"));
    }
}
