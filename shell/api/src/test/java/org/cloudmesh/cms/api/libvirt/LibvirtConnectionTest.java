package org.cloudmesh.cms.api.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LibvirtConnection on libvirt's in-process test driver ({@code test:///default}: no daemon, fresh state per
 * connection). Needs only the libvirt0 library; skipped with a reason where it is not installed.
 */
class LibvirtConnectionTest {
    static final String URI = "test:///default";

    LibvirtConnection lv;

    static String domainXml(String name, String bus) {
        return """
                <domain type='test'>
                  <name>%s</name>
                  <memory unit='MiB'>256</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64'>hvm</type></os>
                  <devices>
                    <hostdev mode='subsystem' type='pci' managed='yes'>
                      <source><address domain='0x0000' bus='0x%s' slot='0x00' function='0x1'/></source>
                    </hostdev>
                  </devices>
                </domain>
                """.formatted(name, bus);
    }

    @BeforeEach
    void open() {
        try {
            lv = LibvirtConnection.open(URI);
        } catch (CmsException e) {
            Assumptions.assumeFalse(e.getMessage().contains("cannot be loaded"),
                    "SKIPPED: libvirt0 is not installed (apt-get install libvirt0): " + e.getMessage());
            throw e;
        }
    }

    @AfterEach
    void close() {
        if (lv != null) {
            lv.close();
        }
    }

    @Test
    void definesStartsStopsAndUndefinesByName() {
        assertEquals("vc1-n1", lv.define(domainXml("vc1-n1", "3b")));
        assertEquals(DomainState.SHUTOFF, lv.state("vc1-n1"));
        assertTrue(lv.domains().contains("vc1-n1"));
        lv.start("vc1-n1");
        assertEquals(DomainState.RUNNING, lv.state("vc1-n1"));
        assertEquals("running", lv.state("vc1-n1").label());
        assertTrue(lv.xml("vc1-n1").contains("<hostdev mode='subsystem' type='pci' managed='yes'>"));
        lv.destroy("vc1-n1");
        assertEquals(Optional.of(DomainState.SHUTOFF), lv.stateIfExists("vc1-n1"));
        lv.undefine("vc1-n1");
        assertFalse(lv.exists("vc1-n1"));
        assertEquals(Optional.empty(), lv.stateIfExists("vc1-n1"));
        assertTrue(lv.domains().contains("test"), "the test driver's own domain: " + lv.domains());
    }

    @Test
    void errorsAreOneLineAndNameUriActionAndDomain() {
        CmsException e = assertThrows(CmsException.class, () -> lv.start("nosuch"));
        assertTrue(e.getMessage().startsWith("libvirt test:///default: cannot start domain 'nosuch': "), e.getMessage());
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());

        lv.define(domainXml("twice", "3c"));
        lv.start("twice");
        e = assertThrows(CmsException.class, () -> lv.start("twice"));
        assertTrue(e.getMessage().startsWith("libvirt test:///default: cannot start domain 'twice': "), e.getMessage());
        assertTrue(e.getMessage().contains("already running"), e.getMessage());

        e = assertThrows(CmsException.class, () -> lv.define("<domain type='test'><name>broken</name>"));
        assertTrue(e.getMessage().startsWith("libvirt test:///default: cannot define a domain: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        e = assertThrows(CmsException.class, () -> LibvirtConnection.open("nosuchdriver:///x"));
        assertTrue(e.getMessage().startsWith("cannot connect to libvirt at nosuchdriver:///x: "), e.getMessage());
    }

    /** libvirt prints every error to stderr by default; LibvirtConnection silences that (checked in a child JVM). */
    @Test
    void libvirtPrintsNothingToStderr() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Quiet.class.getName())
                .redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("3 errors caught\n", out, err);
        assertEquals("", err, "nothing on stderr");
    }

    /** Makes libvirt fail three ways; prints how many CmsExceptions arrived. */
    public static final class Quiet {
        public static void main(String[] args) {
            int caught = 0;
            try (LibvirtConnection lv = LibvirtConnection.open(URI)) {
                try {
                    lv.start("nosuch");
                } catch (CmsException e) {
                    caught++;
                }
                try {
                    lv.define("<domain");
                } catch (CmsException e) {
                    caught++;
                }
            }
            try {
                LibvirtConnection.open("nosuchdriver:///x");
            } catch (CmsException e) {
                caught++;
            }
            System.out.println(caught + " errors caught");
        }
    }
}
