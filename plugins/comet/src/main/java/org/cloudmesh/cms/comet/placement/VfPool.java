package org.cloudmesh.cms.comet.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;

/**
 * The SR-IOV virtual functions of an endpoint's hosts (libvirt.sriov): with one VM per host, a compute node needs a
 * host with a free VF. The store hands out and frees the VFs; this says which hosts can take a node now.
 */
public final class VfPool {
    private final Comet comet;

    public VfPool(Comet comet) {
        this.comet = comet;
    }

    /**
     * The hosts a job of {@code nodes} nodes must not get because they have no free VF; refused, naming every host's
     * pool, when fewer than {@code nodes} hosts have one. An endpoint without libvirt hosts excludes nothing.
     */
    public List<String> hostsWithoutFreeVf(Endpoint e, int nodes) {
        List<String> exclude = new ArrayList<>();
        List<String> eligible = new ArrayList<>();
        Map<String, Set<String>> used = comet.store().usedVfs(e.name());
        StringBuilder pools = new StringBuilder();
        for (String host : e.libvirtHosts().keySet()) {
            List<String> pool = e.pool(host);
            int free = 0;
            for (String a : pool) if (!used.getOrDefault(host, Set.of()).contains(a)) free++;
            if (free > 0) eligible.add(host);
            else exclude.add(host);
            if (pools.length() > 0) pools.append(", ");
            pools.append(host).append(' ').append(free).append('/').append(pool.size()).append(" free");
        }
        if (!e.libvirtHosts().isEmpty() && eligible.size() < nodes) {
            throw new CmsException("the SR-IOV VF pools are exhausted: " + nodes + " nodes need a free VF on " + nodes
                    + " hosts, only " + eligible.size() + " have one (" + pools + ")");
        }
        return exclude;
    }
}
