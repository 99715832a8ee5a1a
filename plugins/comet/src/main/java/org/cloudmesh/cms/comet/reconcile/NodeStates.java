package org.cloudmesh.cms.comet.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;

/** Node power states as libvirt has them, recorded in the store; a compute VM that stopped by itself is reported. */
public final class NodeStates {
    private final Comet comet;

    public NodeStates(Comet comet) {
        this.comet = comet;
    }

    /**
     * Reads the power state of the endpoint's placed nodes (and of those not recorded as stopped) from libvirt, one
     * listing per host URI, records changes, and frees the VF of a compute VM found stopped. Returns a warning
     * (from == to) per running compute VM that went down outside cms.
     */
    public List<Change> refresh(Endpoint e) {
        List<Change> lost = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        for (Cluster c : comet.store().clusters(e.name())) {
            for (Node n : comet.store().nodes(c.name())) if (n.host() != null || !Hypervisor.STOPPED.equals(n.state())) nodes.add(n);
        }
        Map<String, Map<String, String>> byUri = new HashMap<>();
        Map<Node, String> changes = new HashMap<>();
        for (Node n : nodes) {
            String st;
            if (n.host() == null) {
                st = Hypervisor.STOPPED;
            } else {
                try {
                    String uri = e.uri(n.host());
                    Map<String, String> states = byUri.get(uri);
                    if (states == null) {
                        states = comet.libvirt().at(uri).powerStates();
                        byUri.put(uri, states);
                    }
                    st = states.getOrDefault(n.name(), Hypervisor.UNDEFINED);
                } catch (CmsException x) {
                    continue;  // host unreachable: keep what the store says
                }
            }
            if (!st.equals(n.state())) changes.put(n, st);
            boolean off = Hypervisor.STOPPED.equals(st) || Hypervisor.UNDEFINED.equals(st);
            if (off && Hypervisor.ACTIVE.equals(n.state()) && !n.frontend() && n.computeset() != null && n.host() != null
                    && "on".equals(n.adminState())) {
                // cms stops a node only after recording it: this one went down by itself (killed, crashed, powered off inside)
                String why = "node " + n.name() + " stopped outside cms on " + n.host() + ": 'comet power on " + n.cluster()
                        + " " + n.name() + "' starts it again";
                comet.store().event(n.computeset(), n.cluster(), n.name(), "lost", why);
                lost.add(new Change(n.computeset(), CsState.RUNNING, CsState.RUNNING, why));
            }
            if (!n.frontend() && n.vf() != null && off) comet.store().freeVf(n.cluster(), n.name());
        }
        comet.store().setStates(changes);
        return lost;
    }
}
