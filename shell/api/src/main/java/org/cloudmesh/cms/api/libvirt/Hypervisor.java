package org.cloudmesh.cms.api.libvirt;

import java.util.List;
import java.util.Map;

/**
 * The libvirt operations cms needs on one hypervisor (one connection URI): the VC control plane's nodes and the
 * {@code libvirt} cloud's VMs both go through it. Every failure is a one-line {@link org.cloudmesh.cms.api.CmsException}
 * that names the URI, the action and the domain. Implemented by {@link LibvirtConnection}; {@link Libvirt} keeps one
 * per URI.
 */
public interface Hypervisor {
    /** Power states as the comet store records them. */
    String ACTIVE = "active";
    String STOPPED = "stopped";
    String STOPPING = "stopping";
    String PAUSED = "paused";
    String UNDEFINED = "undefined";

    /** One domain as {@link #describe()} sees it: its live XML carries cms's metadata, MAC and devices. */
    record Described(String name, String uuid, DomainState state, String xml) {
    }

    String uri();

    /** True for libvirt's test driver (records, no guests), false for a hypervisor that runs guests. */
    boolean isTestDriver();

    /** Defines (or redefines, same UUID) a persistent domain from XML; returns its name. */
    String define(String xml);

    /** Boots a defined domain. */
    void start(String name);

    /** Powers a domain off at once (like pulling the plug); the definition stays. */
    void destroy(String name);

    /** Asks the guest to shut down (ACPI power button); returns without waiting. */
    void shutdown(String name);

    /** Asks the guest to reboot (libvirt's default: ACPI, the guest restarts itself). */
    void reboot(String name);

    /** Resets the virtual machine (the reset button: no guest involved). */
    void reset(String name);

    /** Removes the persistent definition (a running domain keeps running as transient). */
    void undefine(String name);

    /** The domain's state; a CmsException when there is no such domain. */
    DomainState state(String name);

    boolean exists(String name);

    /** The power state of a domain as the comet store names it, {@link #UNDEFINED} when the host does not know it. */
    String powerState(String name);

    /** name → {@link #powerState} of every domain on this connection (three calls, whatever the number of domains). */
    Map<String, String> powerStates();

    /** The live XML of a domain. */
    String xml(String name);

    /** The names of all domains, running and defined, sorted. */
    List<String> domains();

    /** Every domain with its state and live XML (domains that vanish meanwhile are left out). */
    List<Described> describe();

    /**
     * Makes the qcow2 volume {@code path} of {@code sizeGb} GiB unless it exists. Its directory must be a storage
     * pool of this host (on shared storage, every host's pool sees the volume another host made).
     */
    void ensureDisk(String path, int sizeGb);

    /**
     * As {@link #ensureDisk(String, int)}, but a new volume is a copy-on-write overlay of the qcow2 image
     * {@code backing} (a software stack's root file system); null: an empty disk.
     */
    void ensureDisk(String path, int sizeGb, String backing);

    /** Deletes the volume {@code path}; nothing when there is none. */
    void deleteDisk(String path);

    /** Creates a volume in storage pool {@code pool} from its XML (see {@link DomainXml#volume}); returns its path. */
    String createVolume(String pool, String volumeXml);

    /** Creates (or replaces) the raw volume {@code name} in {@code pool} holding {@code data}; returns its path. */
    String uploadVolume(String pool, String name, byte[] data);

    /**
     * Creates (or replaces) the raw volume {@code path} holding {@code data}, in the storage pool of its directory
     * (as {@link #ensureDisk}); returns its path.
     */
    String uploadFile(String path, byte[] data);

    /** Deletes volume {@code name} of {@code pool}; nothing when there is none. */
    void deleteVolume(String pool, String name);
}
