package org.cloudmesh.cms.comet.cluster;

import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.comet.virt.NodeVms;

/** The clusters of an endpoint: looking one up (it must be the endpoint's) and deleting one with its VMs and disks. */
public final class Clusters {
    private final Comet comet;

    public Clusters(Comet comet) {
        this.comet = comet;
    }

    /** The cluster, or an error naming it: unknown, or another endpoint's (then naming that endpoint). */
    public Cluster cluster(Endpoint e, String name) {
        Cluster c = comet.store().cluster(name).orElseThrow(() -> new CmsException("unknown cluster '" + name
                + "': see 'comet ll'"));
        if (!c.endpoint().equals(e.name())) {
            throw new CmsException("cluster '" + name + "' belongs to endpoint '" + c.endpoint() + "', not '"
                    + e.name() + "': add --endpoint " + c.endpoint());
        }
        return c;
    }

    /** Deletes a cluster: refuses while a computeset is active; removes the nodes' domains and disks. */
    public void delete(Endpoint e, String name) {
        cluster(e, name);
        comet.reconciler().reconcileQuietly(e, null);
        Store store = comet.store();
        List<Computeset> active = store.computesets(new Store.CsFilter(null, name, CsState.activeStates(), null));
        if (!active.isEmpty()) {
            throw new CmsException("cluster '" + name + "' has active computesets (" + ids(active)
                    + "): terminate them first with 'comet terminate ID'");
        }
        for (Node n : store.nodes(name)) {
            if (n.host() == null) continue;
            Hypervisor h = comet.libvirt().at(e.uri(n.host()));
            if (NodeVms.foreign(h, n) != null) continue;   // another store's (or a hand-made) domain of that name: not ours to remove
            String st = h.powerState(n.name());
            if (Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st)) h.destroy(n.name());
            if (!Hypervisor.UNDEFINED.equals(st)) h.undefine(n.name());
        }
        List<Node> nodes = store.nodes(name);
        store.deleteCluster(name);
        deleteDisks(e, name, nodes);
        comet.stacks().forget(name);
    }

    /**
     * Removes deleted nodes' disks, after the store let go of them: through the host the node ran on last, else the
     * endpoint's first host (disks on shared storage are seen by every host). Best effort: a disk that cannot be
     * removed is named in the history ("disk-left").
     */
    private void deleteDisks(Endpoint e, String cluster, List<Node> nodes) {
        String anyHost = e.libvirtHosts().keySet().stream().sorted().findFirst().orElse(e.frontendHost());
        for (Node n : nodes) {
            String host = n.host() != null ? n.host() : anyHost;
            if (host == null) continue;
            for (String disk : List.of(NodeVms.diskPath(e, n), NodeVms.seedPath(e, n))) {
                try {
                    comet.libvirt().at(e.uri(host)).deleteDisk(disk);
                } catch (CmsException x) {
                    comet.store().event(null, cluster, n.name(), "disk-left", disk + ": " + x.getMessage());
                }
            }
        }
    }

    private static String ids(List<Computeset> sets) {
        List<String> ids = new ArrayList<>();
        for (Computeset c : sets) ids.add(String.valueOf(c.id()));
        return String.join(", ", ids);
    }
}
