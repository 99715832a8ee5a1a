package org.cloudmesh.cms.api.compute;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One end of a point-to-point Ethernet link between two VMs of one hypervisor host, carried over UDP on 127.0.0.1: the
 * VM gets a NIC with {@code mac} that receives on {@code localPort} and sends to {@code remotePort}, where the other
 * end receives. A cluster's manager bridges the links of its nodes into one private segment that exists only inside
 * the VMs (no bridge or NAT network on the host).
 */
public record Link(String mac, int localPort, int remotePort) {
    /** True when nothing holds UDP {@code port} on 127.0.0.1 now (a link's end may take it). */
    public static boolean portFree(int port) {
        try (DatagramSocket s = new DatagramSocket(null)) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
