package org.cloudmesh.cms.api.libvirt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cloudmesh.cms.api.CmsException;

/**
 * Ports on the hypervisor host's loopback that forward to a guest's ssh (user-mode networking). A port is chosen by
 * the kernel (bind to port 0, so concurrent processes get different ones), never one another domain of the same
 * hypervisor already names (a stopped VM keeps its port for its next start), nor one this process handed out and has
 * not yet seen defined. A port taken meanwhile by another program shows when qemu starts: the caller then asks again.
 * Valid where the hypervisor runs on this machine (the testbed's qemu:///session, a developer's own libvirtd).
 */
public final class ForwardedPorts {
    private static final Set<Integer> RECENT = ConcurrentHashMap.newKeySet();

    private ForwardedPorts() {
    }

    /** A port on {@code address} that is free now and not in {@code taken}. */
    public static int choose(String address, Set<Integer> taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new CmsException("cannot find a free port on " + address + " to forward to a VM: " + e.getMessage());
            }
            if (!taken.contains(port) && RECENT.add(port)) return port;
        }
        throw new CmsException("no free port on " + address + " to forward to a VM after 100 tries");
    }

    /** True when nothing listens on {@code address:port} now. */
    public static boolean free(String address, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Forgets a port this process chose (its domain is defined, or was never made). */
    public static void release(int port) {
        RECENT.remove(port);
    }

    /** True when a domain failed to start because its forwarded port was taken meanwhile (ask for another one). */
    public static boolean clash(CmsException e) {
        String m = e.getMessage();
        return m != null && (m.contains("host forwarding rule") || m.contains("hostfwd") || m.contains("Address already in use"));
    }
}
