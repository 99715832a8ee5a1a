package org.cloudmesh.cms.api.cluster;

/** A network interface of a node (NIST {@code NIC}): its MAC address and IP address; either may be null. */
public record Nic(String mac, String ip) {
}
