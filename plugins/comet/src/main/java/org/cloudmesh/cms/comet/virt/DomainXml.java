package org.cloudmesh.cms.comet.virt;

import java.io.StringWriter;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The libvirt domain of a VC node, built with DOM (values are text and attributes, never pasted markup):
 * vCPUs, memory, a qcow2 disk, a cdrom (empty unless an ISO is attached), one interface on the private network
 * with the node's MAC (a frontend gets a second, public one), and for compute nodes the InfiniBand SR-IOV virtual
 * function as a managed PCI {@code <hostdev>}.
 */
public final class DomainXml {
    /** What a domain is made of. {@code vf} is a PCI address {@code DDDD:BB:SS.F} or null; {@code iso} a path or null. */
    public record Spec(String type, String name, String uuid, int vcpus, int memoryMb, String disk, String iso,
                       String network, String mac, String pubMac, String vf) {
    }

    private DomainXml() {
    }

    public static String build(Spec s) {
        Names.require("node", s.name());
        if (!s.type().matches("test|kvm|qemu|xen|lxc")) throw new CmsException("unsupported libvirt domain type '" + s.type() + "'");
        if (!s.mac().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) throw new CmsException("invalid MAC '" + s.mac() + "'");
        try {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element dom = el(d, d, "domain");
            dom.setAttribute("type", s.type());
            text(d, dom, "name", s.name());
            text(d, dom, "uuid", s.uuid());
            Element mem = text(d, dom, "memory", String.valueOf(s.memoryMb()));
            mem.setAttribute("unit", "MiB");
            text(d, dom, "vcpu", String.valueOf(s.vcpus()));
            Element os = el(d, dom, "os");
            Element type = text(d, os, "type", "hvm");
            type.setAttribute("arch", "x86_64");
            for (String dev : new String[] {"cdrom", "network", "hd"}) el(d, os, "boot").setAttribute("dev", dev);
            text(d, dom, "on_poweroff", "destroy");
            text(d, dom, "on_reboot", "restart");
            text(d, dom, "on_crash", "destroy");
            Element devices = el(d, dom, "devices");

            Element disk = el(d, devices, "disk");
            disk.setAttribute("type", "file");
            disk.setAttribute("device", "disk");
            attrs(el(d, disk, "driver"), "name", "qemu", "type", "qcow2");
            el(d, disk, "source").setAttribute("file", s.disk());
            attrs(el(d, disk, "target"), "dev", "vda", "bus", "virtio");

            Element cdrom = el(d, devices, "disk");
            cdrom.setAttribute("type", "file");
            cdrom.setAttribute("device", "cdrom");
            attrs(el(d, cdrom, "driver"), "name", "qemu", "type", "raw");
            if (s.iso() != null) el(d, cdrom, "source").setAttribute("file", s.iso());
            attrs(el(d, cdrom, "target"), "dev", "hdc", "bus", "ide");
            el(d, cdrom, "readonly");

            nic(d, devices, s.network(), s.mac());
            if (s.pubMac() != null) nic(d, devices, s.network(), s.pubMac());

            if (s.vf() != null) {
                String[] p = pci(s.vf());
                Element hd = el(d, devices, "hostdev");
                attrs(hd, "mode", "subsystem", "type", "pci", "managed", "yes");
                Element src = el(d, hd, "source");
                attrs(el(d, src, "address"), "domain", "0x" + p[0], "bus", "0x" + p[1], "slot", "0x" + p[2],
                        "function", "0x" + p[3]);
            }
            Element g = el(d, devices, "graphics");
            attrs(g, "type", "vnc", "port", "-1", "autoport", "yes", "listen", "127.0.0.1");

            return serialize(d);
        } catch (ParserConfigurationException | TransformerException e) {
            throw new CmsException("cannot build the domain XML of " + s.name() + ": " + e.getMessage(), e);
        }
    }

    /** A qcow2 storage volume of {@code sizeGb} GiB named {@code file} (a bare file name), for a storage pool. */
    public static String volume(String file, int sizeGb) {
        Names.require("disk file", file);
        try {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element vol = el(d, d, "volume");
            text(d, vol, "name", file);
            text(d, vol, "capacity", String.valueOf(sizeGb)).setAttribute("unit", "GiB");
            text(d, vol, "allocation", "0"); // thin: qcow2 grows as the guest writes
            el(d, el(d, vol, "target"), "format").setAttribute("type", "qcow2");
            return serialize(d);
        } catch (ParserConfigurationException | TransformerException e) {
            throw new CmsException("cannot build the volume XML of " + file + ": " + e.getMessage(), e);
        }
    }

    private static String serialize(Document d) throws TransformerException {
        Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        t.setOutputProperty(OutputKeys.INDENT, "yes");
        t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
        StringWriter w = new StringWriter();
        t.transform(new DOMSource(d), new StreamResult(w));
        return w.toString();
    }

    /** A PCI address DDDD:BB:SS.F as its four hex parts. */
    static String[] pci(String a) {
        if (a == null || !a.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            throw new CmsException("'" + a + "' is not a PCI address like 0000:3b:00.1");
        }
        return new String[] {a.substring(0, 4), a.substring(5, 7), a.substring(8, 10), a.substring(11)};
    }

    private static void nic(Document d, Element devices, String network, String mac) {
        Element nic = el(d, devices, "interface");
        nic.setAttribute("type", "network");
        el(d, nic, "mac").setAttribute("address", mac);
        el(d, nic, "source").setAttribute("network", network);
        el(d, nic, "model").setAttribute("type", "virtio");
    }

    private static Element el(Document d, org.w3c.dom.Node parent, String name) {
        Element e = d.createElement(name);
        parent.appendChild(e);
        return e;
    }

    private static Element text(Document d, Element parent, String name, String value) {
        Element e = el(d, parent, name);
        e.setTextContent(value);
        return e;
    }

    private static void attrs(Element e, String... kv) {
        for (int i = 0; i < kv.length; i += 2) e.setAttribute(kv[i], kv[i + 1]);
    }
}
