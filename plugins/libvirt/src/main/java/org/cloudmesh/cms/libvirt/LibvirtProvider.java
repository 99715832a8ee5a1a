package org.cloudmesh.cms.libvirt;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.pf4j.Extension;

/**
 * Kind {@code libvirt}. The connection URI is {@code endpoint} if given, else {@code credentials.uri}, else
 * {@code qemu:///session}: e.g. {@code qemu+ssh://host/system}, {@code test+unix:///default} (the testbed).
 */
@Extension
public final class LibvirtProvider implements ComputeProvider {
    @Override
    public String kind() {
        return "libvirt";
    }

    @Override
    public Compute open(ProviderConfig cloud) {
        String uri = cloud.endpoint().map(Object::toString).orElse(cloud.credentialOr("uri", "qemu:///session").orElseThrow());
        return new LibvirtCompute(cloud, uri);
    }
}
