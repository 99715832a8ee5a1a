package org.cloudmesh.cms.comet;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.Libvirt;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.cloudmesh.cms.comet.cluster.Clusters;
import org.cloudmesh.cms.comet.computeset.Computesets;
import org.cloudmesh.cms.comet.placement.Placement;
import org.cloudmesh.cms.comet.placement.VfPool;
import org.cloudmesh.cms.comet.power.Power;
import org.cloudmesh.cms.comet.reconcile.NodeStates;
import org.cloudmesh.cms.comet.reconcile.Reconciler;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.slurm.SshRemote;
import org.cloudmesh.cms.comet.stack.VcStack;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.comet.virt.NodeVms;

/**
 * The VC control plane: the store is the source of truth, Slurm decides where and how long computesets run, and
 * libvirt is made to match. This class holds what the parts share and keeps open between commands (the store, the
 * ssh sessions to Slurm, the libvirt connections, the pool that talks to libvirt in parallel) and hands out the
 * parts, each with one reason to change: {@link Clusters}, {@link Computesets} (start, terminate),
 * {@link Reconciler} (follow Slurm), {@link Placement} and the {@link VfPool}, {@link NodeVms} (a node's VM on
 * libvirt), {@link NodeStates} (libvirt's power states in the store), {@link Power} (the power verbs) and
 * {@link VcStack} (a VC's software stack).
 */
public final class Comet implements AutoCloseable {
    private final Path home;
    private final Object storeLock = new Object();
    private volatile Store store;
    private final Libvirt libvirt;
    private final Map<Endpoint.Slurm, SlurmClient> slurm = new HashMap<>();
    private SshClient ssh;
    /** Tests replace Slurm (e.g. with a fake) or libvirt per URI. */
    Function<Endpoint, SlurmClient> slurmFactory;
    private final ExecutorService pool = Executors.newFixedThreadPool(32, r -> {
        Thread t = new Thread(r, "comet-libvirt");
        t.setDaemon(true);
        return t;
    });

    private final Clusters clusters = new Clusters(this);
    private final Computesets computesets = new Computesets(this);
    private final Reconciler reconciler = new Reconciler(this);
    private final NodeStates nodeStates = new NodeStates(this);
    private final Placement placement = new Placement(this);
    private final VfPool vfPool = new VfPool(this);
    private final NodeVms vms = new NodeVms(this);
    private final Power power = new Power(this);
    private final VcStack stacks = new VcStack(this);

    public Comet(Path home) {
        this(home, new Libvirt());
    }

    Comet(Path home, Libvirt libvirt) {
        this.home = home;
        this.libvirt = libvirt;
    }

    // ---- the shared resources ---------------------------------------------------------------------------------

    public Store store() {
        synchronized (storeLock) {
            if (store == null) store = Store.open(home.resolve("comet.db"));
            return store;
        }
    }

    public Libvirt libvirt() {
        return libvirt;
    }

    /** $CLOUDMESH_HOME of this control plane (its console links live there). */
    public Path home() {
        return home;
    }

    /** The threads that talk to libvirt hosts in parallel (daemons: they never keep the shell alive). */
    public ExecutorService pool() {
        return pool;
    }

    public SlurmClient slurm(Endpoint e) {
        synchronized (slurm) {
            return slurmLocked(e, e.slurm());
        }
    }

    /**
     * Slurm as the endpoint's operator account (slurm.operator), for what only an operator may do: raise a time
     * limit, create or delete a reservation ({@code what}, for the error when none is configured).
     */
    public SlurmClient operator(Endpoint e, String what) {
        Endpoint.Slurm op = e.slurm().operator(e.name(), what);
        synchronized (slurm) {
            return slurmLocked(e, op);
        }
    }

    private SlurmClient slurmLocked(Endpoint e, Endpoint.Slurm as) {
        if (slurmFactory != null) return slurmFactory.apply(e);
        return slurm.computeIfAbsent(as, s -> {
            if (s.key() == null) throw new CmsException("endpoint '" + e.name() + "' has no slurm.key: name the ssh private key");
            if (ssh == null) ssh = new SshClient(home.resolve("known_hosts"));
            SshTarget t = new SshTarget(s.host(), s.port(), s.user(), Path.of(s.key()));
            return new SlurmClient(new SshRemote(ssh, t, s.hostKey(), false), s.user(), s.bin(), s.timeout(), s.partition());
        });
    }

    @Override
    public void close() {
        pool.shutdownNow();
        synchronized (slurm) {
            for (SlurmClient c : slurm.values()) c.remote().close();
            slurm.clear();
            if (ssh != null) ssh.close();
            ssh = null;
        }
        libvirt.close();
        synchronized (storeLock) {
            if (store != null) store.close();
            store = null;
        }
    }

    // ---- the parts --------------------------------------------------------------------------------------------

    public Clusters clusters() {
        return clusters;
    }

    public Computesets computesets() {
        return computesets;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public NodeStates nodeStates() {
        return nodeStates;
    }

    public Placement placement() {
        return placement;
    }

    public VfPool vfPool() {
        return vfPool;
    }

    public NodeVms vms() {
        return vms;
    }

    public Power power() {
        return power;
    }

    public VcStack stacks() {
        return stacks;
    }
}
