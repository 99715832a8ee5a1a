package org.cloudmesh.cms.comet.nist;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Flavors;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.cluster.ClusterBackend;
import org.cloudmesh.cms.api.cluster.Nic;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.ControlPlane;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.power.PowerAction;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Store;
import org.pf4j.Extension;

/**
 * Comet's virtual clusters in the NIST model, for the {@code cluster} plugin and the {@code /virtualcluster} routes:
 * the frontend is the manager, the compute nodes are the nodes. A comet endpoint of cloudmesh.yaml
 * ({@code cloudmesh.comet.endpoints.NAME}) is a "cloud" to {@code cluster create --cloud NAME}. Starting a cluster
 * powers its frontend on and starts one computeset of all its nodes (a Slurm job on the cluster's first allocation,
 * walltime 2 days or the endpoint's limit); stopping terminates its computesets and powers the frontend off.
 * Uses only the public methods of Comet's parts.
 */
@Extension
public final class CometClusters implements ClusterBackend {
    @Override
    public String kind() {
        return "comet";
    }

    @Override
    public boolean serves(Context ctx, String cloud) {
        return ctx.config().getMap(Endpoint.ROOT + ".endpoints").containsKey(cloud);
    }

    @Override
    public List<VirtualCluster> list(Context ctx) {
        if (!Files.exists(ctx.home().resolve("comet.db"))) return List.of(); // never used comet: make no store
        return with(ctx, comet -> {
            List<VirtualCluster> out = new ArrayList<>();
            for (Cluster c : comet.store().clusters(null)) out.add(view(c, comet.store().nodes(c.name())));
            return out;
        });
    }

    @Override
    public Optional<VirtualCluster> find(Context ctx, String name) {
        if (!Files.exists(ctx.home().resolve("comet.db"))) return Optional.empty();
        return with(ctx, comet -> comet.store().cluster(name).map(c -> view(c, comet.store().nodes(name))));
    }

    @Override
    public VirtualCluster create(Context ctx, CreateRequest r) {
        Endpoint e = Endpoint.select(ctx.config(), r.cloud());
        int[] node = flavor(r.flavor(), new int[] {2, 2048});
        int[] manager = flavor(r.managerFlavor(), node);
        List<String> allocations = e.slurm().account() == null ? List.of() : List.of(e.slurm().account());
        return with(ctx, comet -> {
            Cluster c = comet.store().createCluster(new Store.ClusterSpec(r.name(), e.name(), r.project(), r.description(),
                    r.owner(), allocations, r.count(), node[0], node[1], 20, manager[0], manager[1], 20));
            return view(c, comet.store().nodes(c.name()));
        });
    }

    @Override
    public void delete(Context ctx, String name) {
        with(ctx, comet -> {
            comet.clusters().delete(endpoint(ctx, comet, name), name);
            return null;
        });
    }

    @Override
    public void start(Context ctx, String name) {
        with(ctx, comet -> {
            Endpoint e = endpoint(ctx, comet, name);
            Cluster c = comet.clusters().cluster(e, name);
            if (!frontendActive(comet, name)) comet.power().apply(e, name, PowerAction.ON, null);
            if (active(comet, e, name).isEmpty()) {
                List<String> computes = new ArrayList<>();
                for (org.cloudmesh.cms.comet.store.Node n : comet.store().nodes(name)) if (!n.frontend()) computes.add(n.name());
                String allocation = !c.allocations().isEmpty() ? c.allocations().get(0) : e.slurm().account();
                if (allocation == null) {
                    throw new CmsException("comet cluster '" + name + "' has no allocation to start its nodes on: start them with"
                            + " 'comet start " + name + " --allocation A'");
                }
                long walltime = Math.min(StartRequest.DEFAULT_WALLTIME_MINS, Walltime.minutes(e.maxWalltime()));
                if (!computes.isEmpty()) {
                    // sized to the endpoint above, on an allocation of its own: none of a user's start checks apply
                    comet.computesets().submit(e, new StartRequest(name, computes, 0, walltime, allocation, null, null), allocation);
                }
            }
            return null;
        });
    }

    @Override
    public void stop(Context ctx, String name) {
        with(ctx, comet -> {
            Endpoint e = endpoint(ctx, comet, name);
            for (Computeset cs : active(comet, e, name)) comet.computesets().terminate(e, cs.id(), System.getProperty("user.name"));
            if (frontendActive(comet, name)) comet.power().apply(e, name, PowerAction.OFF, null);
            return null;
        });
    }

    // ---- helpers

    /** The process's one Comet for the home, shared with comet's routes: one reconciliation lock covers both. */
    private static <T> T with(Context ctx, Function<Comet, T> body) {
        return body.apply(ControlPlane.of(ctx));
    }

    private static Endpoint endpoint(Context ctx, Comet comet, String name) {
        Cluster c = comet.store().cluster(name).orElseThrow(() -> new CmsException("unknown comet cluster '" + name + "'"));
        return Endpoint.select(ctx.config(), c.endpoint());
    }

    private static List<Computeset> active(Comet comet, Endpoint e, String name) {
        return comet.store().computesets(new Store.CsFilter(e.name(), name, CsState.activeStates(), null));
    }

    private static boolean frontendActive(Comet comet, String name) {
        return comet.store().nodes(name).stream().anyMatch(n -> n.frontend() && "active".equals(n.state()));
    }

    private static int[] flavor(String name, int[] fallback) {
        if (name == null) return fallback;
        // the flavors of the libvirt cloud: the same names mean the same sizes everywhere
        Flavors.Flavor f = Flavors.of(name).orElseThrow(() -> new CmsException("comet flavor '" + name
                + "' not found: use one of " + Flavors.names()));
        return new int[] {f.vcpus(), f.memoryMiB()};
    }

    static VirtualCluster view(Cluster c, List<org.cloudmesh.cms.comet.store.Node> nodes) {
        Node manager = null;
        List<Node> computes = new ArrayList<>();
        for (org.cloudmesh.cms.comet.store.Node n : nodes) {
            if (n.frontend()) manager = node(n);
            else computes.add(node(n));
        }
        return new VirtualCluster(c.name(), c.description(), c.owner(), c.project(), c.endpoint(), manager, computes);
    }

    static Node node(org.cloudmesh.cms.comet.store.Node n) {
        List<Nic> nics = new ArrayList<>();
        if (n.frontend() && (n.pubMac() != null || n.pubIp() != null)) nics.add(new Nic(n.pubMac(), n.pubIp()));
        if (n.mac() != null || n.ip() != null) nics.add(new Nic(n.mac(), n.ip()));
        return new Node(n.name(), state(n.state()), n.cpus(), Node.mib(n.memoryMb()), Node.gib(n.diskGb()), nics);
    }

    /** Comet's node states (libvirt's, as the store records them) as NIST node states. */
    static String state(String s) {
        if (s == null) return Node.UNKNOWN;
        return switch (s) {
            case "active" -> Node.RUNNING;
            case "stopped" -> Node.STOPPED;
            case "stopping" -> Node.STOPPING;
            case "paused" -> Node.PAUSED;
            case "undefined" -> Node.UNDEFINED;
            default -> Node.UNKNOWN;
        };
    }
}
