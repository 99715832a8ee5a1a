package org.cloudmesh.cms.comet.placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.Node;

/** Where the nodes of a running computeset go: onto the physical hosts Slurm gave its job, one VM per host. */
public final class Placement {
    private final Comet comet;

    public Placement(Comet comet) {
        this.comet = comet;
    }

    /**
     * Puts every node of a running set that has no host on one of the job's hosts (one VM per host where possible,
     * hosts already used by the set skipped), and starts, in parallel, the ones that should run and do not. Returns
     * null, or why a node could not start.
     */
    public String place(Endpoint e, Computeset cs, List<String> hosts) {
        List<Node> nodes = comet.store().nodesOf(cs.id());
        if (hosts.isEmpty()) return "Slurm reports no hosts for running job " + cs.jobId();
        Set<String> taken = new LinkedHashSet<>();
        for (Node n : nodes) if (n.host() != null) taken.add(n.host());
        List<String> free = new ArrayList<>();
        for (String h : hosts) if (!taken.contains(h)) free.add(h);
        int next = 0;
        Map<Node, String> todo = new LinkedHashMap<>();
        for (Node n : nodes) {
            String host = n.host();
            if (host == null) {
                host = !free.isEmpty() ? free.remove(0) : hosts.get(next++ % hosts.size());
                comet.store().placed(cs.id(), n.cluster(), n.name(), host);
                todo.put(n, host);
            } else if ("on".equals(n.adminState())) {
                todo.put(n, host);
            }
        }
        if (todo.isEmpty()) return null;
        Map<String, Map<String, String>> states = new HashMap<>();
        List<Future<String>> results = new ArrayList<>();
        List<Node> order = new ArrayList<>();
        String early = null;
        for (Map.Entry<Node, String> t : todo.entrySet()) {
            Node n = t.getKey();
            String host = t.getValue();
            Map<String, String> st;
            try {
                st = states.computeIfAbsent(e.uri(host), u -> comet.libvirt().at(u).powerStates());
            } catch (CmsException x) {
                early = "node " + n.name() + " could not start on " + host + ": " + x.getMessage();
                break;
            }
            String now = st.getOrDefault(n.name(), Hypervisor.UNDEFINED);
            boolean fresh = n.host() == null;
            boolean lost = Hypervisor.UNDEFINED.equals(now);                 // definition gone: re-create it
            boolean interrupted = Hypervisor.STOPPED.equals(now) && n.vf() != null
                    && !Hypervisor.ACTIVE.equals(n.state());                  // a start that never finished
            if (!fresh && !lost && !interrupted) continue;                   // running, or stopped on purpose
            order.add(n);
            results.add(comet.pool().submit(() -> comet.vms().powerOn(e, cs.id(), n, host)));
        }
        String failure = early;
        for (int i = 0; i < results.size(); i++) {
            try {
                String r = results.get(i).get();
                if (r != null && failure == null) failure = r;
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return "interrupted while starting the nodes";
            } catch (ExecutionException x) {
                if (failure == null) failure = "node " + order.get(i).name() + ": " + x.getCause().getMessage();
            }
        }
        return failure;
    }
}
