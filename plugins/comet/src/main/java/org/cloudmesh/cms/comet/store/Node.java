package org.cloudmesh.cms.comet.store;

/**
 * A VC node as the store knows it. {@code state} is the last power state read from libvirt (active, stopped,
 * stopping, paused, undefined); {@code adminState} what the administrator last asked (on, off);
 * {@code host} the physical host its domain is on (compute nodes: only while placed by a running computeset);
 * {@code vf} the SR-IOV virtual function it holds (only while its VM runs); {@code computeset} the active
 * computeset that holds it, or null.
 */
public record Node(String cluster, String name, String kind, int idx, String uuid, String mac, String pubMac,
                   String ip, String pubIp, int cpus, int memoryMb, int diskGb, String state, String adminState,
                   String host, String vf, String iso, String isoPending, Long computeset) {
    public static final String FRONTEND = "frontend";
    public static final String COMPUTE = "compute";

    public boolean frontend() {
        return FRONTEND.equals(kind);
    }
}
