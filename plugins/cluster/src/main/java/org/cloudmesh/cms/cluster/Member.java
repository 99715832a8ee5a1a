package org.cloudmesh.cms.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One VM of a cluster as the store records it: the manager or a compute node. {@code state} is a NIST node state
 * ({@link org.cloudmesh.cms.api.cluster.Node#STATES}); {@code error} says why a node failed. Unknown values are null.
 */
record Member(String name, boolean manager, String id, String state, String publicIp, String privateIp, String flavor,
              Integer ncpu, Integer ramMib, String mac, String error, Integer sshPort, String peerAddress) {

    /** A member reached on the cluster's ssh port at its own addresses. */
    Member(String name, boolean manager, String id, String state, String publicIp, String privateIp, String flavor,
           Integer ncpu, Integer ramMib, String mac, String error) {
        this(name, manager, id, state, publicIp, privateIp, flavor, ncpu, ramMib, mac, error, null, null);
    }

    /**
     * Where the manager is reached from cms, or a node from the manager: the private address first for nodes. A VM
     * behind a forwarded port (user-mode networking) is reached by its peers at {@code peerAddress} (its host as the
     * guests see it), on its own {@code sshPort}.
     */
    String address() {
        if (!manager && peerAddress != null) return peerAddress;
        String first = manager ? publicIp : privateIp;
        String second = manager ? privateIp : publicIp;
        return first != null && !first.isEmpty() ? first : second != null && !second.isEmpty() ? second : null;
    }

    /** The member's ssh port: its own forwarded port, else the cluster's. */
    int port(int clusterPort) {
        return sshPort != null ? sshPort : clusterPort;
    }

    /** The address the other members use for it in their hosts file. */
    String hostsAddress() {
        if (peerAddress != null) return peerAddress;
        return manager ? (privateIp != null ? privateIp : publicIp) : address();
    }

    Member withState(String s, String why) {
        return new Member(name, manager, id, s, publicIp, privateIp, flavor, ncpu, ramMib, mac, why, sshPort, peerAddress);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("manager", manager);
        m.put("id", id);
        m.put("state", state);
        m.put("public_ip", publicIp);
        m.put("private_ip", privateIp);
        m.put("flavor", flavor);
        m.put("ncpu", ncpu);
        m.put("ram_mib", ramMib);
        m.put("mac", mac);
        m.put("error", error);
        m.put("ssh_port", sshPort);
        m.put("peer_address", peerAddress);
        m.values().removeIf(java.util.Objects::isNull);
        return m;
    }

    static Member fromMap(Map<?, ?> m) {
        return new Member(s(m, "name"), Boolean.TRUE.equals(m.get("manager")), s(m, "id"), s(m, "state"),
                s(m, "public_ip"), s(m, "private_ip"), s(m, "flavor"), i(m, "ncpu"), i(m, "ram_mib"), s(m, "mac"),
                s(m, "error"), i(m, "ssh_port"), s(m, "peer_address"));
    }

    static String s(Map<?, ?> m, String k) {
        Object v = m.get(k);
        return v == null ? null : String.valueOf(v);
    }

    static Integer i(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (v instanceof Number n) return n.intValue();
        try {
            return v == null ? null : Integer.valueOf(String.valueOf(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
