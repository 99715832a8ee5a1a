package org.cloudmesh.cms.api.compute;

import org.pf4j.ExtensionPoint;

/**
 * A kind of cloud ({@code libvirt}, {@code aws}, {@code azure}, {@code openstack}...), contributed by a plugin.
 * The {@code vm} plugin picks the provider whose {@link #kind()} equals {@code cloudmesh.cloud.NAME.cm.kind} of the
 * chosen cloud and opens it with that entry. A new kind is a new plugin jar; nothing else changes.
 */
public interface ComputeProvider extends ExtensionPoint {
    /** The value of {@code cm.kind} this provider serves, e.g. {@code aws}. */
    String kind();

    /**
     * Opens one cloud entry. Checks the credentials it needs ({@link ProviderConfig#credential}) and throws
     * {@link org.cloudmesh.cms.api.CmsException} naming the YAML key when one is missing; it need not contact
     * the cloud yet. The caller closes the result.
     */
    Compute open(ProviderConfig cloud);
}
