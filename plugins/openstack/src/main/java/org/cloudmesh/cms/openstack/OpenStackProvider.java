package org.cloudmesh.cms.openstack;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.pf4j.Extension;

/**
 * Kind {@code openstack}: Nova servers through openstack4j. Reads, as cloudmesh does:
 * <pre>
 * chameleon:
 *   cm: {kind: openstack, timeout: 30}
 *   default: {image: CC-Ubuntu22.04, flavor: m1.small, key: ..., secgroup: default, network: ...}
 *   credentials: {OS_AUTH_URL: https://kvm.tacc.chameleoncloud.org:5000/v3, OS_USERNAME, OS_PASSWORD, OS_TENANT_NAME,
 *                 OS_PROJECT_DOMAIN: Default, OS_USER_DOMAIN: Default, OS_REGION: ...}
 *   endpoint: http://127.0.0.1:5000/v3     # optional: overrides OS_AUTH_URL (a private cloud, a test endpoint)
 * </pre>
 * An auth URL ending in {@code /v2.0} uses Keystone v2 (tenant name); any other Keystone v3. The services' addresses
 * come from Keystone's catalog. openstack4j is only touched when a cloud is opened, never when the plugin loads.
 */
@Extension
public final class OpenStackProvider implements ComputeProvider {
    @Override
    public String kind() {
        return "openstack";
    }

    @Override
    public Compute open(ProviderConfig cloud) {
        return new NovaCompute(cloud);
    }
}
