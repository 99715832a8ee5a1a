package org.cloudmesh.cms.comet.virt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeDomainTest {
    @TempDir
    Path tmp;

    static NodeDomain.Spec spec(String type, String vf, String iso) {
        return new NodeDomain.Spec(type, "vm-vc1-0", "11111111-2222-3333-4444-000000000001", 2, 2048,
                "/var/lib/libvirt/images/vm-vc1-0.qcow2", iso, "default", "52:54:00:00:00:03", null, vf);
    }

    @Test
    void computeNodeHasTheVfAsManagedPciHostdev() {
        String xml = NodeDomain.build(spec("test", "0000:3b:00.7", null));
        assertTrue(xml.startsWith("<domain type=\"test\">"), xml);
        assertTrue(xml.contains("<hostdev managed=\"yes\" mode=\"subsystem\" type=\"pci\">"), xml);
        assertTrue(xml.contains("<address bus=\"0x3b\" domain=\"0x0000\" function=\"0x7\" slot=\"0x00\"/>"), xml);
        assertTrue(xml.contains("<mac address=\"52:54:00:00:00:03\"/>"), xml);
        assertTrue(xml.contains("<memory unit=\"MiB\">2048</memory>"), xml);
        assertFalse(xml.contains("<source file=\"/isos"), "no ISO: empty cdrom");
    }

    @Test
    void isoPathIsAnAttributeValueNeverMarkup() {
        String xml = NodeDomain.build(spec("kvm", null, "/isos/a\"b<c>&.iso"));
        assertTrue(xml.contains("file=\"/isos/a&quot;b&lt;c&gt;&amp;.iso\""), xml);
        assertFalse(xml.contains("<hostdev"), "no VF, no hostdev");
    }

    @Test
    void badValuesAreRefused() {
        assertThrows(CmsException.class, () -> NodeDomain.build(new NodeDomain.Spec("test", "vm<x>", "u", 1, 1, "/d", null, "n",
                "52:54:00:00:00:03", null, null)));
        assertThrows(CmsException.class, () -> NodeDomain.build(spec("test", "3b:00.7", null)));
        assertThrows(CmsException.class, () -> NodeDomain.build(spec("bhyve'", null, null)));
    }

    /** The generated XML passes libvirt's own schema (virt-xml-validate), for both the test driver and kvm. */
    @Test
    void validatesWithVirtXmlValidate() throws Exception {
        Path tool = Path.of("/usr/bin/virt-xml-validate");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(tool) && Files.isExecutable(Path.of("/usr/bin/xmllint")),
                "virt-xml-validate/xmllint not installed");
        for (String type : new String[] {"test", "kvm"}) {
            Path f = tmp.resolve(type + ".xml");
            Files.writeString(f, NodeDomain.build(spec(type, "0000:3b:00.1", "/isos/x.iso")));
            Process p = new ProcessBuilder(tool.toString(), f.toString(), "domain").redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("validates"), out);
        }
    }

    static NodeDomain.Spec guest(boolean emulate) {
        return new NodeDomain.Spec("qemu", "vm-vc1-0", "11111111-2222-3333-4444-000000000001", 1, 256,
                "/pool/11111111.qcow2", "/isos/x.iso", "default", "52:54:00:00:00:03", null, "0000:3b:00.7",
                new NodeDomain.Guest("vc1", "/g/vmlinux", "/g/initrd.gz", "console=ttyS0", "/pool/seed.iso", "127.0.0.1",
                        40022, "10.0.0.2", emulate));
    }

    /** A real guest: seed, kernel, scsi cdrom, serial console, ACPI, its IP by DHCP and its ssh forwarded; the VF emulated only when asked. */
    @Test
    void aGuestNodeHasSeedKernelCdromConsoleAndForwardedSsh() throws Exception {
        String xml = NodeDomain.build(guest(true));
        assertTrue(xml.contains("<kernel>/g/vmlinux</kernel>"), xml);
        assertTrue(xml.contains("<acpi/>"), xml);
        assertTrue(xml.contains("model=\"virtio-scsi\""), xml);
        assertTrue(xml.contains("<target bus=\"scsi\" dev=\"sda\"/>"), xml);
        assertTrue(xml.contains("<source file=\"/pool/seed.iso\"/>"), xml);
        assertTrue(xml.contains("<console type=\"pty\">"), xml);
        assertTrue(xml.contains("user,id=cmsnet0,net=10.0.0.0/16,host=10.0.255.254,dns=10.0.255.253,dhcpstart=10.0.0.2,"
                + "hostfwd=tcp:127.0.0.1:40022-:22"), xml);
        assertFalse(xml.contains("<hostdev"), "emulated: no hostdev defined");
        assertTrue(xml.contains("mac=52:54:00:3b:00:07,bus=pci.0,addr=0x11"), "the emulated VF's NIC comes after the reached one");
        assertEquals("127.0.0.1:40022", NodeDomain.sshAddress(xml));
        assertEquals("virtio-net 52:54:00:3b:00:07",
                org.cloudmesh.cms.api.libvirt.DomainXml.metadata(xml, NodeDomain.NS, "node").get("vf_emulated_by"));

        String real = NodeDomain.passthrough(guest(true));
        assertTrue(real.contains("<address bus=\"0x3b\" domain=\"0x0000\" function=\"0x7\" slot=\"0x00\"/>"), real);
        assertFalse(real.contains("52:54:00:3b:00:07"), real);
        assertEquals(real, NodeDomain.build(guest(false)), "without emulation the defined XML is the real one");
        org.cloudmesh.cms.api.libvirt.DomainXml.validate(xml);
        org.cloudmesh.cms.api.libvirt.DomainXml.validate(real);
        CmsException bad = assertThrows(CmsException.class, () -> org.cloudmesh.cms.api.libvirt.DomainXml.validate(
                real.replace("<vcpu>1</vcpu>", "<vcpu>one</vcpu>")));
        assertTrue(bad.getMessage().startsWith("the domain XML fails libvirt's schema: "), bad.getMessage());
    }

    @Test
    void anAddressQemuKeepsForItselfIsRefused() {
        NodeDomain.Guest g = guest(false).guest();
        for (String ip : new String[] {"10.0.255.254", "10.0.0.0", "10.0.255.253", "300.1.1.1"}) {
            NodeDomain.Spec s = new NodeDomain.Spec("qemu", "vm-vc1-0", "u", 1, 256, "/d.qcow2", null, "default",
                    "52:54:00:00:00:03", null, null, new NodeDomain.Guest(g.cluster(), null, null, null, null, "127.0.0.1",
                    40022, ip, false));
            assertThrows(CmsException.class, () -> NodeDomain.build(s), ip);
        }
    }
}
