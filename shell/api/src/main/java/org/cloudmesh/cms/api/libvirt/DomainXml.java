package org.cloudmesh.cms.api.libvirt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
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
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The one builder of libvirt domain and volume XML in cms, with the DOM API: values are set as text and attributes,
 * never pasted into markup, so a name or path with {@code <"&} stays a value. A domain is made of parts, each added by
 * one method: disks in a pool (a qcow2 copy-on-write overlay or a node's own disk), a cdrom (empty or with an ISO),
 * direct kernel boot, a NoCloud seed, networks (a libvirt network, or user-mode networking with an ssh port forwarded
 * on 127.0.0.1), the InfiniBand SR-IOV VF as a managed PCI {@code <hostdev>}, a serial console and a VNC display,
 * and cms's own {@code <metadata>}.
 *
 * <pre>
 * String xml = DomainXml.domain("qemu", "web1").memoryMiB(128).vcpus(1)
 *         .kernel("/img/vmlinuz", "/img/initrd.gz", "console=ttyS0")
 *         .seed("/pool/web1-seed.iso").forwardedNetwork("52:54:00:12:34:56", "127.0.0.1", 2201, 22)
 *         .serialConsole().build();
 * </pre>
 */
public final class DomainXml {
    public static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final Pattern TYPE = Pattern.compile("test|kvm|qemu|xen|lxc");

    private DomainXml() {
    }

    /*
     * The root PCI bus (slots 0x01-0x1f) is shared by three: libvirt places the devices it knows (video, disks, SCSI
     * controller, balloon, RNG, hostdevs) from the low slots up; the NICs qemu makes from its command line (forwarded
     * and isolated user-mode networks, which libvirt does not see) take 0x10 up, in the order added, so the first is
     * the guest's eth0 (Linux probes the root bus in slot order, and any bridge after it); the links' PCI bridges take
     * 0x1f down. Before, the qemu-made NICs took slot 9 on, right after libvirt's eight devices of a guest node: one
     * more device of libvirt's (a second bridge, for a frontend of 32 or more links) took slot 9 too, and qemu did
     * not start.
     */
    private static final int NIC_SLOT_FIRST = 0x10;
    private static final int NIC_SLOT_LAST = 0x13;
    private static final int BRIDGE_SLOT_MIN = NIC_SLOT_LAST + 1;

    /** A new domain of {@code type} (test, kvm, qemu, xen, lxc) named {@code name} (a validated name). */
    public static Builder domain(String type, String name) {
        return new Builder(type, name);
    }

    /** The parts of one domain, in the order they are added. */
    public static final class Builder {
        private final Document d;
        private final Element dom;
        private final Element os;
        private final Element devices;
        private Element qemuArgs;
        private int links; // udpLink NICs so far
        private int pciSlot = NIC_SLOT_FIRST; // the next qemu-made NIC's slot (see NIC_SLOT_FIRST)

        private Builder(String type, String name) {
            Names.require("domain", name);
            if (type == null || !TYPE.matcher(type).matches()) throw new CmsException("unsupported libvirt domain type '" + type + "'");
            d = newBuilder().newDocument();
            dom = el(d, "domain");
            dom.setAttribute("type", type);
            text(dom, "name", name);
            os = d.createElement("os");
            text(os, "type", "hvm").setAttribute("arch", "x86_64");
            devices = d.createElement("devices");
        }

        public Builder uuid(String uuid) {
            if (uuid != null) text(dom, "uuid", uuid);
            return this;
        }

        /** cms's metadata: {@code <metadata><prefix:element xmlns:prefix=ns>} with one child per non-null value. */
        public Builder metadata(String ns, String prefix, String element, Map<String, String> fields) {
            Element meta = el(dom, "metadata");
            Element root = d.createElementNS(ns, prefix + ":" + element);
            meta.appendChild(root);
            fields.forEach((k, v) -> {
                if (v != null) {
                    Element e = d.createElementNS(ns, prefix + ":" + k);
                    e.setTextContent(v);
                    root.appendChild(e);
                }
            });
            return this;
        }

        public Builder memoryMiB(long mib) {
            text(dom, "memory", Long.toString(mib)).setAttribute("unit", "MiB");
            return this;
        }

        public Builder vcpus(int n) {
            text(dom, "vcpu", Integer.toString(n));
            dom.appendChild(os);
            return this;
        }

        /** Boot order of firmware boot (cdrom, network, hd...). */
        public Builder boot(String... devs) {
            for (String dev : devs) el(os, "boot").setAttribute("dev", dev);
            return this;
        }

        /** Direct kernel boot: the hypervisor loads kernel and initrd itself (no disk or firmware boot needed). */
        public Builder kernel(String kernel, String initrd, String cmdline) {
            text(os, "kernel", kernel);
            if (initrd != null) text(os, "initrd", initrd);
            if (cmdline != null) text(os, "cmdline", cmdline);
            return this;
        }

        /** ACPI, so that the guest hears the power button ({@code virsh shutdown}, and reboot on qemu). */
        public Builder acpi() {
            el(el(dom, "features"), "acpi");
            return this;
        }

        /** A virtio entropy source fed by the host's /dev/urandom: a new guest's sshd need not wait for entropy. */
        public Builder rng() {
            Element rng = el(devices(), "rng");
            rng.setAttribute("model", "virtio");
            Element backend = el(rng, "backend");
            backend.setAttribute("model", "random");
            backend.setTextContent("/dev/urandom");
            return this;
        }

        /** What happens at power off, reboot and crash (destroy, restart, ...). */
        public Builder lifecycle(String poweroff, String reboot, String crash) {
            text(dom, "on_poweroff", poweroff);
            text(dom, "on_reboot", reboot);
            text(dom, "on_crash", crash);
            return this;
        }

        private Element devices() {
            if (devices.getParentNode() == null) dom.appendChild(devices);
            return devices;
        }

        /** A file disk of {@code format} (qcow2, raw) at target {@code dev} on {@code bus}; {@code transient}: changes vanish at power off. */
        public Builder disk(String file, String format, String dev, String bus, boolean transientDisk) {
            Element disk = el(devices(), "disk");
            attrs(disk, "type", "file", "device", "disk");
            attrs(el(disk, "driver"), "name", "qemu", "type", format);
            el(disk, "source").setAttribute("file", file);
            attrs(el(disk, "target"), "dev", dev, "bus", bus);
            if (transientDisk) el(disk, "transient");
            return this;
        }

        /** A cdrom drive at {@code dev} on {@code bus}, empty when {@code iso} is null. */
        public Builder cdrom(String iso, String dev, String bus) {
            Element cdrom = el(devices(), "disk");
            attrs(cdrom, "type", "file", "device", "cdrom");
            attrs(el(cdrom, "driver"), "name", "qemu", "type", "raw");
            if (iso != null) el(cdrom, "source").setAttribute("file", iso);
            attrs(el(cdrom, "target"), "dev", dev, "bus", bus);
            el(cdrom, "readonly");
            return this;
        }

        /**
         * A cdrom on a virtio-scsi controller ({@code /dev/sr0} in a Linux guest; qemu's q35 machine has no IDE, and
         * small guest kernels carry virtio drivers only), empty when {@code iso} is null.
         */
        public Builder scsiCdrom(String iso) {
            attrs(el(devices(), "controller"), "type", "scsi", "index", "0", "model", "virtio-scsi");
            return cdrom(iso, "sda", "scsi");
        }

        /** A NoCloud seed (an ISO 9660 volume labelled cidata) as a read-only virtio disk, as cloud-init finds it. */
        public Builder seed(String iso) {
            Element disk = el(devices(), "disk");
            attrs(disk, "type", "file", "device", "disk");
            attrs(el(disk, "driver"), "name", "qemu", "type", "raw");
            el(disk, "source").setAttribute("file", iso);
            attrs(el(disk, "target"), "dev", "vdz", "bus", "virtio");
            el(disk, "readonly");
            return this;
        }

        /** An interface on libvirt network {@code network} with {@code mac} (virtio). */
        public Builder network(String network, String mac) {
            requireMac(mac);
            Element nic = el(devices(), "interface");
            nic.setAttribute("type", "network");
            el(nic, "mac").setAttribute("address", mac);
            el(nic, "source").setAttribute("network", network);
            el(nic, "model").setAttribute("type", "virtio");
            return this;
        }

        /** A plain user-mode interface (outbound only; nothing reaches the guest). */
        public Builder userNetwork() {
            el(devices(), "interface").setAttribute("type", "user");
            return this;
        }

        /**
         * User-mode networking with {@code hostAddress:hostPort} on the hypervisor's host forwarded to the guest's
         * {@code guestPort}: the guest is reached without any bridge or NAT network. qemu's own {@code -netdev user}
         * (libvirt 9's native user interface cannot forward ports without passt).
         */
        public Builder forwardedNetwork(String mac, String hostAddress, int hostPort, int guestPort) {
            return forwardedNetwork(mac, hostAddress, hostPort, guestPort, null, 0);
        }

        /**
         * As {@link #forwardedNetwork(String, String, int, int)}, and the guest's DHCP answer is {@code guestIp} on
         * its {@code /prefix} network (qemu's own gateway and DNS take the two addresses below its broadcast), so a
         * node gets the address its cluster records; {@code guestIp} null keeps qemu's 10.0.2.15/24.
         */
        public Builder forwardedNetwork(String mac, String hostAddress, int hostPort, int guestPort, String guestIp, int prefix) {
            requireMac(mac);
            if (!hostAddress.matches("[0-9.]+|\\[[0-9a-fA-F:]+]")) throw new CmsException("'" + hostAddress + "' is not an IP address");
            if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) throw new CmsException("port out of range");
            return qemuNic(mac, (guestIp == null ? "" : guestNet(guestIp, prefix)) + ",hostfwd=tcp:" + hostAddress + ":"
                    + hostPort + "-:" + guestPort);
        }

        /**
         * A virtio NIC on a qemu user-mode network ({@code -netdev user,id=...} followed by {@code options}), made by
         * qemu from its command line at the next slot kept for such NICs; refuses one beyond those slots.
         */
        private Builder qemuNic(String mac, String options) {
            if (pciSlot > NIC_SLOT_LAST) {
                throw new CmsException("a VM can have at most " + (NIC_SLOT_LAST - NIC_SLOT_FIRST + 1) + " forwarded or isolated NICs");
            }
            String id = "cmsnet" + (pciSlot - NIC_SLOT_FIRST);
            qemuArg("-netdev");
            qemuArg("user,id=" + id + options);
            qemuArg("-device");
            qemuArg("virtio-net-pci,netdev=" + id + ",mac=" + mac + ",bus=pci.0,addr=0x" + Integer.toHexString(pciSlot++));
            return this;
        }

        private void qemuArg(String value) {
            if (qemuArgs == null) {
                dom.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:qemu", QEMU_NS);
                qemuArgs = d.createElementNS(QEMU_NS, "qemu:commandline");
            }
            Element arg = d.createElementNS(QEMU_NS, "qemu:arg");
            arg.setAttribute("value", value);
            qemuArgs.appendChild(arg);
        }

        /**
         * A point-to-point Ethernet link over UDP on 127.0.0.1 (qemu {@code -netdev dgram}): frames go to
         * {@code remotePort}, where the peer VM's link listens, and come in on {@code localPort}. No bridge or network
         * on the host is involved, and either end may start first. Links sit on their own PCI bridges (31 a bridge,
         * at the top slots of the root bus), so that they never take the slots of other devices.
         */
        public Builder udpLink(String mac, int localPort, int remotePort) {
            requireMac(mac);
            if (localPort < 1 || localPort > 65535 || remotePort < 1 || remotePort > 65535) throw new CmsException("port out of range");
            int bus = 1 + links / 31;
            if (links % 31 == 0) {
                int slot = 0x20 - bus;
                if (slot < BRIDGE_SLOT_MIN) {
                    throw new CmsException("a VM can have at most " + 31 * (0x20 - BRIDGE_SLOT_MIN) + " links");
                }
                Element bridge = el(devices(), "controller");
                attrs(bridge, "type", "pci", "index", Integer.toString(bus), "model", "pci-bridge");
                attrs(el(bridge, "address"), "type", "pci", "domain", "0x0000", "bus", "0x00", "slot", "0x" + Integer.toHexString(slot),
                        "function", "0x0");
            }
            Element nic = el(devices(), "interface");
            nic.setAttribute("type", "udp");
            el(nic, "mac").setAttribute("address", mac);
            Element source = el(nic, "source");
            attrs(source, "address", "127.0.0.1", "port", Integer.toString(remotePort));
            attrs(el(source, "local"), "address", "127.0.0.1", "port", Integer.toString(localPort));
            el(nic, "model").setAttribute("type", "virtio");
            attrs(el(nic, "address"), "type", "pci", "domain", "0x0000", "bus", "0x" + Integer.toHexString(bus),
                    "slot", "0x" + Integer.toHexString(1 + links % 31), "function", "0x0");
            links++;
            return this;
        }

        /**
         * A further user-mode NIC with {@code mac} that reaches nothing ({@code restrict=on}), placed after the
         * forwarded one so that the guest's first interface stays the one that is reached (a stand-in for a device
         * that cannot exist here, such as an emulated SR-IOV VF).
         */
        public Builder isolatedNic(String mac) {
            requireMac(mac);
            return qemuNic(mac, ",restrict=on");
        }

        /** qemu's user network options that hand {@code ip} to the guest by DHCP. */
        private static String guestNet(String ip, int prefix) {
            if (!ip.matches("([0-9]{1,3}\\.){3}[0-9]{1,3}") || prefix < 8 || prefix > 29) {
                throw new CmsException("'" + ip + "/" + prefix + "' is not an IPv4 address on a /8 to /29 network");
            }
            long a = 0;
            for (String o : ip.split("\\.")) {
                int v = Integer.parseInt(o);
                if (v > 255) throw new CmsException("'" + ip + "' is not an IPv4 address");
                a = a << 8 | v;
            }
            long mask = (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            long net = a & mask;
            long broadcast = net | (~mask & 0xffffffffL);
            if (a == net || a >= broadcast - 2) {
                throw new CmsException(ip + " is reserved on its /" + prefix + " network (qemu's gateway and DNS take the two"
                        + " addresses below the broadcast address)");
            }
            return ",net=" + dotted(net) + "/" + prefix + ",host=" + dotted(broadcast - 1) + ",dns=" + dotted(broadcast - 2)
                    + ",dhcpstart=" + ip;
        }

        private static String dotted(long a) {
            return (a >> 24 & 255) + "." + (a >> 16 & 255) + "." + (a >> 8 & 255) + "." + (a & 255);
        }

        /** The SR-IOV virtual function {@code DDDD:BB:SS.F} passed through as a managed PCI hostdev. */
        public Builder hostdev(String pci) {
            String[] p = pci(pci);
            Element hd = el(devices(), "hostdev");
            attrs(hd, "mode", "subsystem", "type", "pci", "managed", "yes");
            attrs(el(el(hd, "source"), "address"), "domain", "0x" + p[0], "bus", "0x" + p[1], "slot", "0x" + p[2],
                    "function", "0x" + p[3]);
            return this;
        }

        /** A serial port on a pty, which is also the domain's console ({@code virsh console}). */
        public Builder serialConsole() {
            el(el(devices(), "serial"), "target").setAttribute("port", "0");
            ((Element) devices.getLastChild()).setAttribute("type", "pty");
            Element console = el(devices, "console");
            console.setAttribute("type", "pty");
            attrs(el(console, "target"), "type", "serial", "port", "0");
            return this;
        }

        /** A VNC display on 127.0.0.1 of the hypervisor's host, port chosen by libvirt. */
        public Builder vnc() {
            attrs(el(devices(), "graphics"), "type", "vnc", "port", "-1", "autoport", "yes", "listen", "127.0.0.1");
            return this;
        }

        public String build() {
            devices();
            if (qemuArgs != null) dom.appendChild(qemuArgs);
            return write(d);
        }

        private Element el(Node parent, String name) {
            Element e = d.createElement(name);
            parent.appendChild(e);
            return e;
        }

        private Element text(Element parent, String name, String value) {
            Element e = el(parent, name);
            e.setTextContent(value);
            return e;
        }
    }

    /**
     * Checks domain XML against libvirt's own RelaxNG schema with {@code virt-xml-validate} (package libvirt-clients):
     * what a real host would be given is checked even where it is not what runs. Nothing when valid; else the
     * validator's complaint.
     */
    public static void validate(String xml) {
        java.nio.file.Path f = null;
        try {
            f = java.nio.file.Files.createTempFile("cms-domain", ".xml");
            java.nio.file.Files.writeString(f, xml);
            Process p = new ProcessBuilder("virt-xml-validate", f.toString(), "domain").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new CmsException("the domain XML fails libvirt's schema: " + out.replace(f.toString(), "domain.xml"));
            }
        } catch (java.io.IOException e) {
            throw new CmsException("cannot check domain XML against libvirt's schema (install libvirt-clients for"
                    + " virt-xml-validate): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted while checking domain XML");
        } finally {
            if (f != null) {
                try {
                    java.nio.file.Files.deleteIfExists(f);
                } catch (java.io.IOException ignored) {
                    // a temporary file of ours
                }
            }
        }
    }

    /** A thin qcow2 volume of {@code sizeGb} GiB named {@code file} (a bare file name), for a storage pool. */
    public static String volume(String file, int sizeGb) {
        return volumeXml(file, sizeGb + "", "GiB", "qcow2", null, null);
    }

    /** A raw volume of exactly {@code bytes} bytes (for an upload). */
    public static String rawVolume(String file, long bytes) {
        return volumeXml(file, Long.toString(bytes), "bytes", "raw", null, null);
    }

    /** A qcow2 copy-on-write overlay of {@code capacityBytes} backed by {@code backingFile} of {@code backingFormat}. */
    public static String overlay(String file, long capacityBytes, String backingFile, String backingFormat) {
        return volumeXml(file, Long.toString(capacityBytes), "bytes", "qcow2", backingFile, backingFormat);
    }

    private static String volumeXml(String file, String capacity, String unit, String format, String backing, String backingFormat) {
        Names.require("volume", file);
        Document d = newBuilder().newDocument();
        Element vol = d.createElement("volume");
        d.appendChild(vol);
        append(d, vol, "name", file);
        append(d, vol, "capacity", capacity).setAttribute("unit", unit);
        append(d, vol, "allocation", "0"); // thin: qcow2 grows as the guest writes
        Element target = append(d, vol, "target", null);
        append(d, target, "format", null).setAttribute("type", format);
        if (backing != null) {
            Element b = append(d, vol, "backingStore", null);
            append(d, b, "path", backing);
            append(d, b, "format", null).setAttribute("type", backingFormat);
        }
        return write(d);
    }

    private static Element append(Document d, Element parent, String name, String text) {
        Element e = d.createElement(name);
        if (text != null) e.setTextContent(text);
        parent.appendChild(e);
        return e;
    }

    /**
     * The children of cms's metadata element {@code element} in namespace {@code ns} of a domain's XML, plus
     * {@code _vcpu}, {@code _memory_mib} and {@code _mac} (the first interface's MAC) read from the domain itself;
     * empty when the domain carries no such metadata (not one of ours).
     */
    public static Map<String, String> metadata(String xml, String ns, String element) {
        Map<String, String> m = new LinkedHashMap<>();
        Document d = parse(xml);
        NodeList found = d.getElementsByTagNameNS(ns, element);
        if (found.getLength() == 0) return m;
        NodeList children = found.item(0).getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n.getNodeType() == Node.ELEMENT_NODE && ns.equals(n.getNamespaceURI())) m.put(n.getLocalName(), n.getTextContent());
        }
        Element root = d.getDocumentElement();
        NodeList vcpu = root.getElementsByTagName("vcpu");
        if (vcpu.getLength() > 0) m.put("_vcpu", vcpu.item(0).getTextContent().strip());
        m.put("_memory_mib", memoryMiB(root));
        NodeList macs = root.getElementsByTagName("mac");
        if (macs.getLength() > 0) m.put("_mac", ((Element) macs.item(0)).getAttribute("address"));
        return m;
    }

    /** The domain's {@code <memory>} in MiB: libvirt writes it back in KiB whatever unit it was defined in. */
    private static String memoryMiB(Element root) {
        NodeList l = root.getElementsByTagName("memory");
        if (l.getLength() == 0) return null;
        Element memory = (Element) l.item(0);
        long value = Long.parseLong(memory.getTextContent().strip());
        String unit = memory.getAttribute("unit");
        long bytesPerUnit = switch (unit.isEmpty() ? "KiB" : unit) {
            case "b", "bytes" -> 1;
            case "KB" -> 1000;
            case "k", "KiB" -> 1L << 10;
            case "MB" -> 1000_000;
            case "M", "MiB" -> 1L << 20;
            case "GB" -> 1000_000_000;
            case "G", "GiB" -> 1L << 30;
            default -> throw new IllegalArgumentException("libvirt memory unit " + unit);
        };
        return Long.toString(value * bytesPerUnit >> 20);
    }

    /** A PCI address DDDD:BB:SS.F as its four hex parts. */
    static String[] pci(String a) {
        if (a == null || !a.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            throw new CmsException("'" + a + "' is not a PCI address like 0000:3b:00.1");
        }
        return new String[] {a.substring(0, 4), a.substring(5, 7), a.substring(8, 10), a.substring(11)};
    }

    private static void requireMac(String mac) {
        if (mac == null || !MAC.matcher(mac).matches()) throw new CmsException("invalid MAC '" + mac + "'");
    }

    private static void attrs(Element e, String... kv) {
        for (int i = 0; i < kv.length; i += 2) e.setAttribute(kv[i], kv[i + 1]);
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses domain XML from libvirt (no DTDs, no external entities). */
    public static Document parse(String xml) {
        try {
            return newBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new CmsException("libvirt returned domain XML that cannot be read: " + e.getMessage());
        }
    }

    private static String write(Document d) {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(d), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException(e);
        }
    }
}
