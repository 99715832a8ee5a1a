package org.cloudmesh.cms.comet.virt;

import org.cloudmesh.cms.api.libvirt.DomainXml;

/**
 * The libvirt domain of a VC node: vCPUs, memory, its qcow2 disk, a cdrom (empty unless an ISO is attached), one
 * interface on the private network with the node's MAC (a frontend gets a second, public one), for compute nodes the
 * InfiniBand SR-IOV virtual function as a managed PCI {@code <hostdev>}, and a VNC display for the console link.
 * Built with the api's one {@link DomainXml} builder.
 */
public final class NodeDomain {
    /** What a domain is made of. {@code vf} is a PCI address {@code DDDD:BB:SS.F} or null; {@code iso} a path or null. */
    public record Spec(String type, String name, String uuid, int vcpus, int memoryMb, String disk, String iso,
                       String network, String mac, String pubMac, String vf) {
    }

    private NodeDomain() {
    }

    public static String build(Spec s) {
        DomainXml.Builder b = DomainXml.domain(s.type(), s.name()).uuid(s.uuid()).memoryMiB(s.memoryMb()).vcpus(s.vcpus())
                .boot("cdrom", "network", "hd").lifecycle("destroy", "restart", "destroy")
                .disk(s.disk(), "qcow2", "vda", "virtio", false)
                .cdrom(s.iso(), "hdc", "ide")
                .network(s.network(), s.mac());
        if (s.pubMac() != null) b.network(s.network(), s.pubMac());
        if (s.vf() != null) b.hostdev(s.vf());
        return b.vnc().build();
    }
}
