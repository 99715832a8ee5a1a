package org.cloudmesh.cms.comet.power;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.virt.NodeVms;

/**
 * The power verbs on a cluster's frontend, on the nodes of a running computeset, or on named nodes; the nodes are
 * acted on in parallel and every failure is named. Power on and off record what the user wants (the node's admin
 * state), which the reconciliation then keeps.
 */
public final class Power {
    private final Comet comet;

    public Power(Comet comet) {
        this.comet = comet;
    }

    /**
     * Applies a power action: to the frontend (target null), to the nodes of a computeset (a number: reboot, reset,
     * shutdown only), or to named nodes (all must be in a running computeset). Returns the nodes acted on.
     */
    public List<String> apply(Endpoint e, String cluster, PowerAction action, String target) {
        comet.clusters().cluster(e, cluster);
        comet.reconciler().reconcileQuietly(e, null);
        List<Node> nodes = new ArrayList<>();
        Long csId = null;
        if (target == null) {
            nodes.add(frontend(e, cluster));
        } else if (target.matches("[0-9]+")) {
            if (action == PowerAction.ON || action == PowerAction.OFF) {
                throw new CmsException("Action NOT SUPPORTED! Use 'comet start/terminate'! (power on/off of a whole computeset)");
            }
            csId = Long.parseLong(target);
            Computeset cs = comet.computesets().computeset(e, csId);
            if (!cs.cluster().equals(cluster)) throw new CmsException("computeset " + csId + " belongs to cluster '" + cs.cluster() + "'");
            if (cs.state() != CsState.RUNNING) {
                throw new CmsException("computeset " + csId + " is " + cs.state().label() + ", not running");
            }
            nodes.addAll(comet.store().nodesOf(csId));
        } else {
            nodes.addAll(named(cluster, Hostlist.expand(target)));
        }
        List<String> failures = new ArrayList<>();
        List<Future<String>> fs = new ArrayList<>();
        final Long set = csId;
        for (Node n : nodes) fs.add(comet.pool().submit(() -> one(e, set != null ? set : n.computeset(), n, action)));
        for (Future<String> f : fs) {
            try {
                String r = f.get();
                if (r != null) failures.add(r);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted");
            } catch (ExecutionException x) {
                failures.add(x.getCause().getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new CmsException(action.label() + " failed for " + failures.size() + " of " + nodes.size()
                    + " node(s): " + String.join("; ", failures));
        }
        List<String> done = new ArrayList<>();
        for (Node n : nodes) done.add(n.name());
        return done;
    }

    /** The cluster's frontend, placed on the endpoint's frontend host when it has no host yet. */
    private Node frontend(Endpoint e, String cluster) {
        Node fe = comet.store().nodes(cluster).stream().filter(Node::frontend).findFirst()
                .orElseThrow(() -> new CmsException("cluster '" + cluster + "' has no frontend"));
        if (fe.host() == null) {
            if (e.frontendHost() == null) {
                throw new CmsException("endpoint '" + e.name() + "' names no host for frontends: set libvirt.frontend_host");
            }
            comet.store().setHost(cluster, fe.name(), e.frontendHost());
            fe = comet.store().node(cluster, fe.name()).orElseThrow();
        }
        return fe;
    }

    /** The named nodes; every one must exist and be the frontend or in a running computeset. */
    private List<Node> named(String cluster, List<String> names) {
        Map<String, Node> all = new HashMap<>();
        for (Node n : comet.store().nodes(cluster)) all.put(n.name(), n);
        List<Node> nodes = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> idle = new ArrayList<>();
        for (String name : names) {
            Node n = all.get(name);
            if (n == null) unknown.add(name);
            else if (!n.frontend() && n.host() == null) idle.add(name);
            else nodes.add(n);
        }
        if (!unknown.isEmpty()) {
            throw new CmsException("cluster '" + cluster + "' has no node " + Hostlist.compress(unknown)
                    + ": see 'comet cluster " + cluster + "'");
        }
        if (!idle.isEmpty()) {
            throw new CmsException("node(s) " + Hostlist.compress(idle) + " are not in a running computeset:"
                    + " Please start the node(s) with 'comet start' first");
        }
        return nodes;
    }

    private String one(Endpoint e, Long cs, Node n, PowerAction a) {
        try {
            Hypervisor h = comet.libvirt().at(e.uri(n.host()));
            String other = NodeVms.foreign(h, n);
            if (other != null) return n.name() + ": " + NodeVms.clash(n, n.host(), other);
            String st = h.powerState(n.name());
            boolean running = Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st);
            switch (a) {
                case ON -> {
                    comet.store().setAdminState(n.cluster(), n.name(), "on");
                    if (running) return n.name() + " is already on";
                    return comet.vms().powerOn(e, cs, n, n.host());
                }
                case OFF -> {
                    comet.store().setAdminState(n.cluster(), n.name(), "off");
                    if (!running) return n.name() + " is already off";
                    h.destroy(n.name());
                }
                case SHUTDOWN -> {
                    comet.store().setAdminState(n.cluster(), n.name(), "off");
                    if (!running) return n.name() + " is not running";
                    h.shutdown(n.name());
                    if (!NodeVms.awaitOff(h, n.name(), e.shutdownTimeout())) {
                        return n.name() + " did not power off within " + e.shutdownTimeout().toSeconds()
                                + " s of the ACPI power button: 'comet power off' forces it off";
                    }
                }
                case REBOOT -> {
                    if (!running) return n.name() + " is not running: use 'comet power on'";
                    h.reboot(n.name());
                }
                case RESET -> {
                    if (!running) return n.name() + " is not running: use 'comet power on'";
                    h.reset(n.name());
                }
            }
            String now = h.powerState(n.name());
            comet.store().setState(n.cluster(), n.name(), now);
            if (!n.frontend() && (Hypervisor.STOPPED.equals(now) || Hypervisor.UNDEFINED.equals(now))) {
                comet.store().freeVf(n.cluster(), n.name());
            }
            comet.store().event(cs, n.cluster(), n.name(), a.name().toLowerCase(Locale.ROOT), n.host());
            return null;
        } catch (CmsException x) {
            return n.name() + ": " + x.getMessage();
        }
    }
}
