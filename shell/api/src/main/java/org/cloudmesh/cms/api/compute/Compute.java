package org.cloudmesh.cms.api.compute;

import java.util.List;

/**
 * One open cloud. Every call may be made from several threads at once (the vm plugin boots and stops VMs in
 * parallel). Failures are {@link org.cloudmesh.cms.api.CmsException}s whose message is one line that names the VM
 * and quotes the cloud's own error (quota, image not found, unreachable endpoint...).
 */
public interface Compute extends AutoCloseable {
    /** The VMs this cloud holds that cms may manage, as the cloud sees them now. */
    List<Vm> list();

    /**
     * Creates and starts one VM named {@code request.name()} and returns it as the cloud reports it right after the
     * call (typically {@code pending} or {@code running}). Names are unique per cloud: the caller checks first.
     */
    Vm boot(BootRequest request);

    Vm start(Vm vm);

    Vm stop(Vm vm);

    /** Ends the VM at the cloud; its resources are released. Ending a VM that is already gone is not an error. */
    void terminate(Vm vm);

    /** The key pairs the cloud knows (name and fingerprint). */
    /**
     * True when this cloud joins VMs with {@link BootRequest#links()} (loopback links between VMs of one host, for a
     * private segment where the cloud has no private network of its own). Callers ask before they give links.
     */
    default boolean joinsLinks() {
        return false;
    }

    default List<KeyInfo> keys() {
        return List.of();
    }

    /** Registers a public key (OpenSSH text) under a name, so that boot can give it to new VMs. */
    default void uploadKey(String name, String publicKey) {
        throw new org.cloudmesh.cms.api.CmsException("this cloud kind does not keep keys: the key is given at boot");
    }

    @Override
    default void close() {
    }
}
