package org.cloudmesh.cms.comet.virt;

import java.util.Map;

/** The libvirt operations the control plane needs on one physical host (one connection URI). */
public interface Hypervisor {
    /** Power states as the store records them. */
    String ACTIVE = "active";
    String STOPPED = "stopped";
    String STOPPING = "stopping";
    String PAUSED = "paused";
    String UNDEFINED = "undefined";

    String uri();

    /**
     * Makes the qcow2 volume {@code path} of {@code sizeGb} GiB unless it exists. Its directory must be a storage
     * pool of this host (on shared storage, every host's pool sees the volume another host made).
     */
    void ensureDisk(String path, int sizeGb);

    /** Deletes the volume {@code path}; nothing when there is none. */
    void deleteDisk(String path);

    /** Defines (or redefines, same UUID) a persistent domain from XML. */
    void define(String xml);

    /** The power state of a domain, {@link #UNDEFINED} when the host does not know it. */
    String state(String name);

    /** name → state of every domain on this connection (two calls, whatever the number of domains). */
    Map<String, String> states();

    void create(String name);

    void destroy(String name);

    void shutdown(String name);

    void reboot(String name);

    void reset(String name);

    /** Removes the persistent definition (a running domain keeps running as transient). */
    void undefine(String name);

    /** The live XML of a domain. */
    String xml(String name);
}
