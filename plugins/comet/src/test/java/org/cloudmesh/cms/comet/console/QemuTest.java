package org.cloudmesh.cms.comet.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.comet.iso.Isos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * Real qemu (the testbed user's qemu:///session over libssh): a diskless domain with an empty cdrom, a serial
 * console and VNC. The ISO change is a redefinition that shows in the live XML only after a cold start; the
 * serial console stream carries SeaBIOS's boot menu both ways; --link reads the VNC port qemu assigned.
 */
@Tag("integration")
class QemuTest {
    TestbedSupport tb;
    Connect c;
    String name;

    @BeforeEach
    void domain() throws Exception {
        tb = TestbedSupport.requireQemu();
        c = new Connect(tb.qemuUri());
        name = "cmsq" + Integer.toString(new Random().nextInt(1 << 30), 36);
        c.domainDefineXML("<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                + "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='cdrom'/><bootmenu enable='yes' timeout='20000'/>"
                + "<bios useserial='yes'/></os><devices>"
                + "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>"
                + "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>"
                + "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/></devices></domain>").free();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (c == null) return;
        try {
            Domain d = c.domainLookupByName(name);
            if (d.isActive() == 1) d.destroy();
            d.undefine();
        } finally {
            c.close();
        }
    }

    String live() throws Exception {
        return Isos.cdromFile(c.domainLookupByName(name).getXMLDesc(0));
    }

    @Test
    void isoChangeShowsOnlyAfterAColdStart() throws Exception {
        Domain d = c.domainLookupByName(name);
        d.create();
        String iso = tb.isoDir().resolve("blank.iso").toString();
        c.domainDefineXML(Isos.withCdrom(d.getXMLDesc(2), iso)).free();      // what 'comet iso attach' does
        assertNull(live(), "the running domain keeps its cdrom");
        d.reset();
        assertNull(live(), "reset keeps the old cdrom");
        d.destroy();
        d.create();
        assertEquals(iso, live(), "after power off and on the ISO is in");
    }

    @Test
    void serialConsoleStreamCarriesBothWaysAndLinkReadsTheVncPort() throws Exception {
        Domain d = c.domainLookupByName(name);
        d.create(1);                                    // VIR_DOMAIN_START_PAUSED: open the console before SeaBIOS runs
        String url = ConsoleCommand.graphicsUrl(d.getXMLDesc(0), name, tb.qemuUri());
        assertTrue(url.matches("vnc://127\\.0\\.0\\.1:59[0-9][0-9]"), url);
        ConsoleSession s = ConsoleSession.open(c, name, false);
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                s.pump(in, screen);
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        });
        pump.start();
        d.resume();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!text(screen).contains("Select boot device") && System.currentTimeMillis() < deadline) {
            if (text(screen).contains("Press ESC")) keys.write(0x1b);     // ESC through the stream: the boot menu opens
            keys.flush();
            Thread.sleep(300);
        }
        keys.write(ConsoleSession.ESCAPE);                                 // Ctrl-] leaves
        keys.flush();
        pump.join(10_000);
        s.close();
        assertTrue(!pump.isAlive(), "Ctrl-] ends the session");
        assertTrue(text(screen).contains("SeaBIOS"), text(screen));
        assertTrue(text(screen).contains("Select boot device"), text(screen));
    }

    static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
