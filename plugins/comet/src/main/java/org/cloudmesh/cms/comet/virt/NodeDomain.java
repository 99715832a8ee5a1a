package org.cloudmesh.cms.comet.virt;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.compute.Link;
import org.cloudmesh.cms.api.libvirt.DomainXml;

/**
 * The libvirt domain of a VC node: vCPUs, memory, its qcow2 disk, a cdrom (empty unless an ISO is attached), one
 * interface on the private network with the node's MAC (a frontend gets a second, public one), for compute nodes the
 * InfiniBand SR-IOV virtual function as a managed PCI {@code <hostdev>}, and a VNC display for the console link.
 * On a hypervisor that runs guests ({@link Guest}) the node also gets ACPI (power button), a serial console, a
 * virtio-scsi cdrom, a NoCloud seed, optionally direct kernel boot and user-mode networking with its ssh port
 * forwarded, and cms's metadata. Built with the api's one {@link DomainXml} builder.
 */
public final class NodeDomain {
    /** cms's metadata namespace for comet nodes. */
    public static final String NS = "http://cloudmesh.org/cms/comet/1.0";

    /** What a domain is made of. {@code vf} is a PCI address {@code DDDD:BB:SS.F} or null; {@code iso} a path or null. */
    public record Spec(String type, String name, String uuid, int vcpus, int memoryMb, String disk, String iso,
                       String network, String mac, String pubMac, String vf, Guest guest) {
        public Spec(String type, String name, String uuid, int vcpus, int memoryMb, String disk, String iso,
                    String network, String mac, String pubMac, String vf) {
            this(type, name, uuid, vcpus, memoryMb, disk, iso, network, mac, pubMac, vf, null);
        }
    }

    /**
     * The parts of a node that runs as a real guest. {@code kernel} null: firmware boot (cdrom, network, disk);
     * {@code forwardAddress} null: the node is on libvirt network {@code network}, else on qemu's user network with
     * its ssh forwarded from {@code forwardAddress:sshPort} and its recorded {@code ip} handed out by DHCP;
     * {@code emulateVf}: an emulated NIC stands for the VF (a machine without one), named in the metadata;
     * {@code links}: the node's loopback links of its cluster's private network (a software stack's, see
     * {@code stack.VcStack}).
     */
    public record Guest(String cluster, String kernel, String initrd, String cmdline, String seed, String forwardAddress,
                        int sshPort, String ip, boolean emulateVf, List<Link> links) {
        public Guest {
            links = links == null ? List.of() : List.copyOf(links);
        }

        public Guest(String cluster, String kernel, String initrd, String cmdline, String seed, String forwardAddress,
                     int sshPort, String ip, boolean emulateVf) {
            this(cluster, kernel, initrd, cmdline, seed, forwardAddress, sshPort, ip, emulateVf, List.of());
        }
    }

    /** The prefix of the nodes' private network (netmask 255.255.0.0, as 'comet node info' says). */
    static final int PREFIX = 16;

    private NodeDomain() {
    }

    /** The XML to define: with an emulated NIC in place of the VF where the hypervisor emulates SR-IOV. */
    public static String build(Spec s) {
        return build(s, s.guest() != null && s.guest().emulateVf());
    }

    /** The XML a real host gets, the VF passed through: what is checked against libvirt's schema at every start. */
    public static String passthrough(Spec s) {
        return build(s, false);
    }

    private static String build(Spec s, boolean emulate) {
        Guest g = s.guest();
        DomainXml.Builder b = DomainXml.domain(s.type(), s.name()).uuid(s.uuid());
        if (g != null) b.metadata(NS, "comet", "node", metadata(s, emulate));
        b.memoryMiB(s.memoryMb()).vcpus(s.vcpus());
        if (g != null && g.kernel() != null) b.kernel(g.kernel(), g.initrd(), g.cmdline());
        else b.boot("cdrom", "network", "hd");
        if (g != null) b.acpi();
        b.lifecycle("destroy", "restart", "destroy").disk(s.disk(), "qcow2", "vda", "virtio", false);
        if (g != null) b.scsiCdrom(s.iso());
        else b.cdrom(s.iso(), "hdc", "ide");
        if (g != null && g.seed() != null) b.seed(g.seed());
        if (g != null && g.forwardAddress() != null) {
            b.forwardedNetwork(s.mac(), g.forwardAddress(), g.sshPort(), 22, g.ip(), PREFIX);
            if (s.pubMac() != null) b.isolatedNic(s.pubMac());
        } else {
            b.network(s.network(), s.mac());
            if (s.pubMac() != null) b.network(s.network(), s.pubMac());
        }
        if (s.vf() != null) {
            if (emulate) b.isolatedNic(vfMac(s.vf()));
            else b.hostdev(s.vf());
        }
        if (g != null) {
            for (Link l : g.links()) b.udpLink(l.mac(), l.localPort(), l.remotePort());
            b.rng().serialConsole();
        }
        return b.vnc().build();
    }

    private static Map<String, String> metadata(Spec s, boolean emulate) {
        Guest g = s.guest();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cluster", g.cluster());
        m.put("ssh_address", g.forwardAddress());
        m.put("ssh_port", g.forwardAddress() == null ? null : Integer.toString(g.sshPort()));
        m.put("vf", s.vf());
        m.put("vf_emulated_by", s.vf() != null && emulate ? "virtio-net " + vfMac(s.vf()) : null);
        return m;
    }

    /** The emulated NIC's MAC: qemu's prefix and the VF's bus, slot and function, so it names its VF. */
    static String vfMac(String vf) {
        String[] p = vf.split("[:.]");
        return String.format("52:54:00:%s:%s:%02x", p[1].toLowerCase(java.util.Locale.ROOT),
                p[2].toLowerCase(java.util.Locale.ROOT), Integer.parseInt(p[3]));
    }

    /** A running guest's forwarded ssh address {@code ADDRESS:PORT}, from its domain's metadata; null when none. */
    public static String sshAddress(String domainXml) {
        Map<String, String> m = DomainXml.metadata(domainXml, NS, "node");
        return m.get("ssh_port") == null ? null : m.get("ssh_address") + ":" + m.get("ssh_port");
    }
}
