package org.cloudmesh.cms.api.libvirt;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.libvirt.Connect;

/**
 * The hypervisors a process talks to: one {@link LibvirtConnection} per URI, made on first use and kept until
 * {@link #close()} (the test driver behind libvirtd keeps its state only while someone holds a connection). Each
 * connects at its first call, so commands that never touch libvirt never load it. Thread-safe.
 */
public final class Libvirt implements AutoCloseable {
    private final Map<String, LibvirtConnection> connections = new ConcurrentHashMap<>();

    public Hypervisor at(String uri) {
        return connections.computeIfAbsent(uri, LibvirtConnection::new);
    }

    /** The libvirt-java connection behind {@link #at}, for calls the Hypervisor interface has no method for (console streams, rename). */
    public Connect connection(String uri) {
        return connections.computeIfAbsent(uri, LibvirtConnection::new).connect();
    }

    @Override
    public void close() {
        for (LibvirtConnection c : connections.values()) c.close();
        connections.clear();
    }
}
