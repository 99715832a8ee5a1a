package org.cloudmesh.cms.comet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.cloudmesh.cms.comet.slurm.SshRemote;
import org.cloudmesh.cms.comet.slurm.Remote;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.comet.virt.NodeDomain;
import org.cloudmesh.cms.api.libvirt.DomainXml;
import org.cloudmesh.cms.api.libvirt.ForwardedPorts;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.libvirt.Libvirt;
import org.cloudmesh.cms.api.libvirt.NoCloudSeed;

/**
 * The VC control plane: the store is the source of truth, Slurm decides where and how long computesets run, and
 * libvirt is made to match. One instance per shell: it keeps the store, the ssh session and the libvirt
 * connections open between commands.
 */
public final class Comet implements AutoCloseable {
    /** Sets whose Slurm job is unknown are failed only after this long (sacct may lag behind squeue). */
    static final long UNKNOWN_JOB_GRACE_S = 60;
    /** A set left "created" (a crash during sbatch) is failed after this long when Slurm has no job of its name. */
    static final long CREATED_GRACE_S = 30;

    private final Path home;
    private final Object storeLock = new Object();
    /** One reconciliation at a time in this process (libvirt work runs on the pool meanwhile). */
    private final Object reconcileLock = new Object();
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

    public Comet(Path home) {
        this(home, new Libvirt());
    }

    Comet(Path home, Libvirt libvirt) {
        this.home = home;
        this.libvirt = libvirt;
    }

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

    // ---- clusters -------------------------------------------------------------------------------------------

    public Cluster cluster(Endpoint e, String name) {
        Cluster c = store().cluster(name).orElseThrow(() -> new CmsException("unknown cluster '" + name
                + "': see 'comet ll'"));
        if (!c.endpoint().equals(e.name())) {
            throw new CmsException("cluster '" + name + "' belongs to endpoint '" + c.endpoint() + "', not '"
                    + e.name() + "': add --endpoint " + c.endpoint());
        }
        return c;
    }

    /** Deletes a cluster: refuses while a computeset is active; removes the frontend's domain. */
    public void deleteCluster(Endpoint e, String name) {
        cluster(e, name);
        reconcileQuietly(e, null);
        List<Computeset> active = store().computesets(new Store.CsFilter(null, name, activeStates(), null));
        if (!active.isEmpty()) {
            throw new CmsException("cluster '" + name + "' has active computesets (" + ids(active)
                    + "): terminate them first with 'comet terminate ID'");
        }
        for (Node n : store().nodes(name)) {
            if (n.host() == null) continue;
            Hypervisor h = libvirt.at(e.uri(n.host()));
            if (foreign(h, n) != null) continue;   // another store's (or a hand-made) domain of that name: not ours to remove
            String st = h.powerState(n.name());
            if (Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st)) h.destroy(n.name());
            if (!Hypervisor.UNDEFINED.equals(st)) h.undefine(n.name());
        }
        List<Node> nodes = store().nodes(name);
        store().deleteCluster(name);
        deleteDisks(e, name, nodes);
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
            for (String disk : List.of(diskPath(e, n), seedPath(e, n))) {
                try {
                    libvirt.at(e.uri(host)).deleteDisk(disk);
                } catch (CmsException x) {
                    store().event(null, cluster, n.name(), "disk-left", disk + ": " + x.getMessage());
                }
            }
        }
    }

    // named by the node's UUID, which a rename keeps: the disk stays the node's
    static String diskPath(Endpoint e, Node n) {
        return Path.of(e.diskDir(), n.uuid() + ".qcow2").toString();
    }

    /** The node's NoCloud seed beside its disk (written at every power on of a guest). */
    static String seedPath(Endpoint e, Node n) {
        return Path.of(e.diskDir(), n.uuid() + "-seed.iso").toString();
    }

    static EnumSet<CsState> activeStates() {
        EnumSet<CsState> s = EnumSet.noneOf(CsState.class);
        for (CsState c : CsState.values()) if (c.active()) s.add(c);
        return s;
    }

    static String ids(List<Computeset> sets) {
        List<String> ids = new ArrayList<>();
        for (Computeset c : sets) ids.add(String.valueOf(c.id()));
        return String.join(", ", ids);
    }

    // ---- start ------------------------------------------------------------------------------------------------

    /**
     * What {@link #start} needs, validated by the command. {@code nodes} or {@code count}; {@code begin} (Slurm's
     * --begin, see {@code lifetime.Times}) or null to start as soon as Slurm can.
     */
    public record StartRequest(String cluster, List<String> nodes, int count, long walltimeMins, String allocation,
                               String reservation, String begin) {
    }

    /**
     * Records a computeset and submits its Slurm job. Checks the VF pools first: with one VM per host, N nodes need
     * N hosts with a free VF; hosts without one are excluded from the job.
     */
    public Computeset start(Endpoint e, StartRequest r) {
        reconcileQuietly(e, null);
        int n = r.nodes() != null ? r.nodes().size() : r.count();
        List<String> exclude = new ArrayList<>();
        List<String> eligible = new ArrayList<>();
        Map<String, Set<String>> used = store().usedVfs(e.name());
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
        if (!e.libvirtHosts().isEmpty() && eligible.size() < n) {
            throw new CmsException("the SR-IOV VF pools are exhausted: " + n + " nodes need a free VF on " + n
                    + " hosts, only " + eligible.size() + " have one (" + pools + ")");
        }
        Computeset cs = store().createComputeset(r.cluster(), e.name(), r.nodes(), r.count(), r.allocation(),
                r.walltimeMins(), r.reservation());
        SlurmClient s = slurm(e);
        String job;
        try {
            job = s.submit(new SlurmClient.Submit(jobName(cs), r.allocation(), r.walltimeMins(), cs.nodes().size(),
                    e.slurm().partition(), r.reservation(), r.begin(), e.slurm().exclusive(), exclude, e.slurm().outputDir()));
        } catch (Remote.InDoubt u) {
            // the job may or may not exist: the set stays "created" and the next command looks for it by name
            throw new CmsException(u.getMessage() + " (computeset " + cs.id()
                    + " waits; the next comet command finds out whether Slurm got it)", u);
        } catch (Remote.Unreachable u) {
            // sbatch never ran: nothing exists in Slurm, the set is closed as failed and its nodes are free again
            store().transition(cs.id(), CsState.FAILED, null, "not submitted: " + u.getMessage(), null, null, null);
            throw new CmsException(u.getMessage() + ": computeset " + cs.id() + " was not submitted (nothing changed"
                    + " in Slurm); try again when the host answers", u);
        } catch (CmsException refused) {
            store().transition(cs.id(), CsState.FAILED, null, refused.getMessage(), null, null, null);
            throw refused;
        }
        store().submitted(cs.id(), job);
        return store().computeset(cs.id()).orElseThrow();
    }

    /**
     * The Slurm job name of a computeset: {@code cms-CLUSTER-ID-TAG}. TAG, the first 8 hex digits of the cluster's
     * frontend UUID (random at creation), tells this store's job from the job of another cms store that has a
     * cluster of the same name and a set of the same number: crash recovery adopts jobs by name.
     */
    String jobName(Computeset cs) {
        String tag = null;
        for (Node n : store().nodes(cs.cluster())) {
            if (n.frontend() && n.uuid() != null) tag = n.uuid().replace("-", "").substring(0, 8).toLowerCase(java.util.Locale.ROOT);
        }
        return "cms-" + cs.cluster() + "-" + cs.id() + (tag == null ? "" : "-" + tag);
    }

    // ---- terminate --------------------------------------------------------------------------------------------

    public Computeset terminate(Endpoint e, long id) {
        return terminate(e, id, System.getProperty("user.name"));
    }

    /**
     * Terminates for {@code user} (the reason names them). Under the reconciliation lock: a reconciliation of this
     * process cannot place and start a node of the set between the cancel and the stop (a VM left running).
     */
    public Computeset terminate(Endpoint e, long id, String user) {
        synchronized (reconcileLock) {
            Computeset cs = computeset(e, id);
            if (cs.state().terminal()) {
                throw new CmsException("computeset " + id + " is already " + cs.state().label() + ": nothing to terminate");
            }
            if (cs.jobId() != null) slurm(e).cancel(cs.jobId());
            stopNodes(e, cs);
            store().transition(id, CsState.CANCELLED, "CANCELLED", "terminated by " + user, null, null, null);
            return store().computeset(id).orElseThrow();
        }
    }

    public Computeset computeset(Endpoint e, long id) {
        Computeset cs = store().computeset(id).orElseThrow(() -> new CmsException("unknown computeset " + id
                + ": see 'comet computeset'"));
        if (!cs.endpoint().equals(e.name())) {
            throw new CmsException("computeset " + id + " belongs to endpoint '" + cs.endpoint() + "': add --endpoint "
                    + cs.endpoint());
        }
        return cs;
    }

    // ---- reconciliation ---------------------------------------------------------------------------------------

    /** What one reconciliation did, for watch and tests. */
    public record Change(long computeset, CsState from, CsState to, String detail) {
    }

    /** When each endpoint was last reconciled without error (System.nanoTime). */
    private final Map<String, Long> reconciled = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * For listings: reconciles unless this shell did so less than the endpoint's {@code reconcile_max_age} ago
     * (0 by default: always).
     */
    public List<Change> refresh(Endpoint e, java.io.PrintWriter warn) {
        Long last = reconciled.get(e.name());
        if (last != null && !e.reconcileMaxAge().isZero() && System.nanoTime() - last < e.reconcileMaxAge().toNanos()) {
            return List.of();
        }
        return reconcileQuietly(e, warn);
    }

    /** Reconciles, but a Slurm host that cannot be reached only gives a warning: listings still show the store. */
    public List<Change> reconcileQuietly(Endpoint e, java.io.PrintWriter warn) {
        try {
            List<Change> changes = reconcile(e);
            if (warn != null) {
                for (Change c : changes) if (c.from() == c.to()) warn.println("WARNING: " + c.detail());
                warn.flush();
            }
            return changes;
        } catch (CmsException u) {
            if (warn != null) {
                warn.println("WARNING: " + u.getMessage() + "; computeset states may be stale");
                warn.flush();
            }
            return List.of();
        }
    }

    /**
     * Brings every active computeset of the endpoint in line with Slurm: records state changes, places and powers
     * on the nodes of a running job, stops the VMs and frees the VFs of an ended one. Then refreshes node power
     * states from libvirt. One squeue call whatever the number of sets.
     */
    public List<Change> reconcile(Endpoint e) {
        synchronized (reconcileLock) {
            reconciled.remove(e.name());
            List<Change> changes = reconcileLocked(e);
            reconciled.put(e.name(), System.nanoTime());
            return changes;
        }
    }

    private List<Change> reconcileLocked(Endpoint e) {
        List<Change> changes = new ArrayList<>();
        List<Computeset> active = store().computesets(new Store.CsFilter(e.name(), null, activeStates(), null));
        if (!active.isEmpty()) {
            SlurmClient s = slurm(e);
            long now = Store.now();
            List<String> ids = new ArrayList<>();
            for (Computeset cs : active) {
                if (cs.jobId() == null) {
                    SlurmClient.Job j = s.byName(jobName(cs));
                    if (j != null) {
                        store().submitted(cs.id(), j.id());
                        ids.add(j.id());
                    } else if (now - cs.created() > CREATED_GRACE_S) {
                        stopNodes(e, cs);
                        store().transition(cs.id(), CsState.FAILED, null, "the Slurm submission did not complete", null, null, null);
                        changes.add(new Change(cs.id(), cs.state(), CsState.FAILED, "submission did not complete"));
                    }
                } else {
                    ids.add(cs.jobId());
                }
            }
            Map<String, SlurmClient.Job> jobs = s.jobs(ids);
            for (Computeset cs : store().computesets(new Store.CsFilter(e.name(), null, activeStates(), null))) {
                if (cs.jobId() == null) continue;
                Change c = apply(e, cs, jobs.get(cs.jobId()));
                if (c != null) changes.add(c);
            }
        }
        changes.addAll(refreshStates(e, null));
        return changes;
    }

    private Change apply(Endpoint e, Computeset cs, SlurmClient.Job job) {
        if (job == null) {
            long since = cs.submitTime() != null ? cs.submitTime() : cs.created();
            if (Store.now() - since < UNKNOWN_JOB_GRACE_S) return null;
            stopNodes(e, cs);
            String why = "Slurm has no record of job " + cs.jobId();
            store().transition(cs.id(), CsState.FAILED, null, why, null, null, null);
            return new Change(cs.id(), cs.state(), CsState.FAILED, why);
        }
        CsState to = CsState.fromSlurm(job.state());
        if (to == null) return null;
        String slurmState = job.state().split(" ")[0];
        boolean owed = cs.state() == CsState.ENDING && cs.reason() != null && cs.reason().startsWith(CANCEL_OWED);
        if (owed) {
            String why = cs.reason().substring(CANCEL_OWED.length()).replaceFirst(" \\(scancel [0-9_]+ to be retried: .*\\)$", "");
            if (to.active()) {
                try {
                    slurm(e).cancel(cs.jobId());
                } catch (CmsException x) {
                    return null;   // still owed; the next reconciliation tries again
                }
            }
            stopNodes(e, cs);
            store().transition(cs.id(), CsState.FAILED, "CANCELLED", why, null, null, null);
            return new Change(cs.id(), cs.state(), CsState.FAILED, why);
        }
        switch (to) {
            case SUBMITTED -> {
                String never = SlurmClient.hopeless(job.reason());
                if (never != null) {
                    String why = "Slurm will not start job " + cs.jobId() + ": " + never + " (the job was cancelled)";
                    fail(e, cs, why);
                    return new Change(cs.id(), cs.state(), CsState.FAILED, why);
                }
                // a pending job's start is Slurm's expected start (its --begin, or its backfill estimate)
                store().transition(cs.id(), CsState.SUBMITTED, slurmState, job.reason(), null, job.start(), null);
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, job.reason());
            }
            case RUNNING -> {
                List<String> hosts = job.nodes() == null ? List.of() : Hostlist.expand(job.nodes());
                String failure = place(e, cs, hosts);
                if (failure != null) {
                    fail(e, cs, failure);
                    return new Change(cs.id(), cs.state(), CsState.FAILED, failure);
                }
                store().transition(cs.id(), CsState.RUNNING, slurmState, null, job.nodes(), job.start(), null);
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, job.nodes());
            }
            default -> {
                stopNodes(e, cs);
                String reason = to == CsState.COMPLETED && slurmState.startsWith("TIMEOUT") ? "walltime reached"
                        : job.reason();
                store().transition(cs.id(), to, slurmState, reason, job.nodes(), job.start(), job.end());
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, reason);
            }
        }
    }

    /** A computeset that cannot run: cancel its job, stop what started, free the VFs. */
    private void fail(Endpoint e, Computeset cs, String why) {
        String owed = null;
        try {
            if (cs.jobId() != null) slurm(e).cancel(cs.jobId());
        } catch (CmsException x) {
            owed = x.getMessage();
        } finally {
            stopNodes(e, cs);
        }
        if (owed == null) {
            store().transition(cs.id(), CsState.FAILED, "CANCELLED", why, null, null, null);
        } else {
            // the job could not be cancelled: the set stays "ending" and every reconciliation cancels it again,
            // so no job is left holding hosts for a set that failed
            store().transition(cs.id(), CsState.ENDING, cs.slurmState(), CANCEL_OWED + why + " (scancel " + cs.jobId()
                    + " to be retried: " + owed + ")", null, null, null);
        }
    }

    /** Reason prefix of a failed set whose Slurm job still has to be cancelled. */
    static final String CANCEL_OWED = "failed, job not yet cancelled: ";

    /**
     * Puts every node of a running set that has no host on one of the job's hosts (one VM per host where possible,
     * hosts already used by the set skipped), and starts, in parallel, the ones that should run and do not. Returns
     * null, or why a node could not start.
     */
    private String place(Endpoint e, Computeset cs, List<String> hosts) {
        List<Node> nodes = store().nodesOf(cs.id());
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
                store().placed(cs.id(), n.cluster(), n.name(), host);
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
                st = states.computeIfAbsent(e.uri(host), u -> libvirt.at(u).powerStates());
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
            results.add(pool.submit(() -> powerOn(e, cs.id(), n, host)));
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

    /**
     * Gives the node a VF, (re)defines its domain from the store and starts it. On a hypervisor that runs guests the
     * node also gets a fresh NoCloud seed (its name, the endpoint's authorized keys) and, on a user network, a free
     * forwarded ssh port; what a real host would be given (the VF passed through) is checked against libvirt's schema
     * first. Returns null or why it failed.
     */
    private String powerOn(Endpoint e, Long cs, Node n, String host) {
        int port = 0;
        try {
            String uri = e.uri(host);
            String vf = null;
            if (!n.frontend()) vf = store().allocateVf(e.name(), host, e.pool(host), n.cluster(), n.name(), cs);
            Hypervisor h = libvirt.at(uri);
            String other = foreign(h, n);
            if (other != null) {
                store().freeVf(n.cluster(), n.name());
                return "node " + n.name() + " could not start on " + host + ": " + clash(n, host, other);
            }
            boolean guest = !h.isTestDriver();
            String forward = guest ? e.guests().forwardAddress() : null;
            if (guest) DomainXml.validate(NodeDomain.passthrough(spec(e, uri, n, vf, forward == null ? 0 : 1)));
            h.ensureDisk(diskPath(e, n), n.diskGb());
            if (guest) h.uploadFile(seedPath(e, n), NoCloudSeed.iso(n.uuid(), n.name(), authorizedKeys(e)));
            for (int attempt = 1; ; attempt++) {
                if (forward != null) port = ForwardedPorts.choose(forward, portsInUse(h));
                h.define(NodeDomain.build(spec(e, uri, n, vf, port)));
                if (port != 0) ForwardedPorts.release(port); // defined: portsInUse sees it from now on
                try {
                    h.start(n.name());
                    break;
                } catch (CmsException x) {
                    if (port == 0 || attempt == 3 || !ForwardedPorts.clash(x)) throw x;
                }
            }
            store().setState(n.cluster(), n.name(), Hypervisor.ACTIVE);
            store().event(cs, n.cluster(), n.name(), "power-on", host + (vf == null ? "" : " vf " + vf
                    + (guest && e.guests().emulateSriov() ? " (emulated)" : "")));
            return null;
        } catch (CmsException x) {
            if (port != 0) ForwardedPorts.release(port);
            store().freeVf(n.cluster(), n.name());
            return "node " + n.name() + " could not start on " + host + ": " + x.getMessage();
        }
    }

    /**
     * Where a placed node answers ssh: its forwarded {@code ADDRESS:PORT} on a user network (from its domain), else its
     * recorded IP on port 22; null when it has no host or its domain is gone.
     */
    public String sshAddress(Endpoint e, Node n) {
        if (n.host() == null) return null;
        try {
            Hypervisor h = libvirt.at(e.uri(n.host()));
            if (h.isTestDriver()) return null;
            String forwarded = NodeDomain.sshAddress(h.xml(n.name()));
            return forwarded != null ? forwarded : n.ip() + ":22";
        } catch (CmsException gone) {
            return null;
        }
    }

    /** The ssh ports that the nodes defined on a hypervisor forward. */
    private static Set<Integer> portsInUse(Hypervisor h) {
        Set<Integer> ports = new java.util.HashSet<>();
        for (Hypervisor.Described d : h.describe()) {
            String a = NodeDomain.sshAddress(d.xml());
            if (a != null) ports.add(Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
        }
        return ports;
    }

    /** The public keys of the endpoint's libvirt.authorized_keys file, for the nodes' seeds. */
    static List<String> authorizedKeys(Endpoint e) {
        String file = e.guests().authorizedKeys();
        if (file == null) return List.of();
        try {
            List<String> keys = new ArrayList<>();
            for (String line : java.nio.file.Files.readAllLines(Path.of(file))) {
                if (!line.isBlank() && !line.strip().startsWith("#")) keys.add(line.strip());
            }
            return keys;
        } catch (java.io.IOException x) {
            throw new CmsException("comet.endpoints." + e.name() + ".libvirt.authorized_keys: cannot read " + file + ": " + x.getMessage());
        }
    }

    private static final java.util.regex.Pattern UUID_ELEMENT = java.util.regex.Pattern.compile("<uuid>\\s*([0-9a-fA-F-]+)\\s*</uuid>");

    /**
     * The UUID of a domain that has the node's name on that hypervisor but is not the node (another cms store with
     * a cluster of the same name, or a hand-made VM), else null (no such domain, or it is the node's).
     */
    static String foreign(Hypervisor h, Node n) {
        String xml;
        try {
            xml = h.xml(n.name());
        } catch (CmsException absent) {
            return null;
        }
        java.util.regex.Matcher m = UUID_ELEMENT.matcher(xml);
        return m.find() && n.uuid() != null && !m.group(1).equalsIgnoreCase(n.uuid()) ? m.group(1) : null;
    }

    static String clash(Node n, String host, String other) {
        return "a domain named " + n.name() + " already exists on " + host + " with UUID " + other + ", not this store's "
                + n.uuid() + " (another cms store with a cluster of that name, or a VM made by hand): cms leaves it"
                + " alone; rename the cluster or remove that domain";
    }

    /** The node's domain; {@code port} is its forwarded ssh port on a user network of a hypervisor that runs guests. */
    NodeDomain.Spec spec(Endpoint e, String uri, Node n, String vf, int port) {
        String iso = n.iso() == null || e.isoDir() == null ? null : Path.of(e.isoDir(), n.iso()).toString();
        NodeDomain.Guest guest = null;
        if (!e.domainType(uri).equals("test")) {
            Endpoint.Guests g = e.guests();
            guest = new NodeDomain.Guest(n.cluster(), g.kernel(), g.initrd(), g.cmdline(), seedPath(e, n),
                    g.forwardAddress(), port, n.ip(), g.emulateSriov());
        }
        return new NodeDomain.Spec(e.domainType(uri), n.name(), n.uuid(), n.cpus(), n.memoryMb(), diskPath(e, n), iso,
                e.network(), n.mac(), n.pubMac(), vf, guest);
    }

    /**
     * Stops the VMs of a set: graceful shutdown, destroy after the endpoint's shutdown timeout, undefine (the host
     * goes back to Slurm), VFs freed. Best effort per node: a node that cannot be reached is recorded in the history.
     */
    void stopNodes(Endpoint e, Computeset cs) {
        List<Node> nodes = store().nodesOf(cs.id());
        List<Future<?>> fs = new ArrayList<>();
        for (Node n : nodes) {
            if (n.host() == null) {
                store().freeVf(n.cluster(), n.name());
                continue;
            }
            fs.add(pool.submit(() -> {
                stopDomain(e, cs.id(), n, true);
                return null;
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException x) {
                // recorded per node in stopDomain
            }
        }
    }

    private void stopDomain(Endpoint e, Long cs, Node n, boolean undefine) {
        try {
            Hypervisor h = libvirt.at(e.uri(n.host()));
            String other = foreign(h, n);
            if (other != null) {
                // the name is taken by a domain this store did not define: leave it alone
                store().setState(n.cluster(), n.name(), Hypervisor.STOPPED);
                store().event(cs, n.cluster(), n.name(), "stop-skipped", clash(n, n.host(), other));
                return;
            }
            String st = h.powerState(n.name());
            if (Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st)) {
                try {
                    h.shutdown(n.name());
                } catch (CmsException ignored) {
                    // a guest that refuses is destroyed below
                }
                if (!awaitOff(h, n.name(), e.shutdownTimeout())) {
                    if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                    h.destroy(n.name());
                }
            }
            if (undefine && !Hypervisor.UNDEFINED.equals(h.powerState(n.name()))) h.undefine(n.name());
            store().setState(n.cluster(), n.name(), Hypervisor.STOPPED);
            store().event(cs, n.cluster(), n.name(), "power-off", n.host());
        } catch (CmsException x) {
            store().event(cs, n.cluster(), n.name(), "stop-failed", x.getMessage());
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } finally {
            store().freeVf(n.cluster(), n.name());
        }
    }

    /** Waits until the domain is off (or gone); false when it still runs after {@code timeout}. */
    private static boolean awaitOff(Hypervisor h, String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String st = h.powerState(name);
            if (Hypervisor.STOPPED.equals(st) || Hypervisor.UNDEFINED.equals(st)) return true;
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(100);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Reads the power state of the given nodes (all placed nodes and frontends of the endpoint when null) from
     * libvirt, one listing per host URI, records changes, and frees the VF of a compute VM found stopped.
     */
    public List<Change> refreshStates(Endpoint e, Collection<Node> which) {
        List<Change> lost = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        if (which != null) {
            nodes.addAll(which);
        } else {
            for (Cluster c : store().clusters(e.name())) {
                for (Node n : store().nodes(c.name())) if (n.host() != null || !Hypervisor.STOPPED.equals(n.state())) nodes.add(n);
            }
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
                        states = libvirt.at(uri).powerStates();
                        byUri.put(uri, states);
                    }
                    st = states.getOrDefault(n.name(), n.frontend() ? Hypervisor.UNDEFINED : Hypervisor.UNDEFINED);
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
                store().event(n.computeset(), n.cluster(), n.name(), "lost", why);
                lost.add(new Change(n.computeset(), CsState.RUNNING, CsState.RUNNING, why));
            }
            if (!n.frontend() && n.vf() != null && off) store().freeVf(n.cluster(), n.name());
        }
        store().setStates(changes);
        return lost;
    }

    // ---- power ------------------------------------------------------------------------------------------------

    public enum Action {
        ON, OFF, REBOOT, RESET, SHUTDOWN;

        public String label() {
            return switch (this) {
                case ON -> "power on";
                case OFF -> "power off";
                default -> name().toLowerCase(java.util.Locale.ROOT);
            };
        }
    }

    /**
     * Applies a power action: to the frontend (target null), to the nodes of a computeset (a number: reboot, reset,
     * shutdown only), or to named nodes (all must be in a running computeset). Returns the nodes acted on.
     */
    public List<String> power(Endpoint e, String cluster, Action action, String target) {
        cluster(e, cluster);
        reconcileQuietly(e, null);
        List<Node> nodes = new ArrayList<>();
        Long csId = null;
        if (target == null) {
            Node fe = store().nodes(cluster).stream().filter(Node::frontend).findFirst()
                    .orElseThrow(() -> new CmsException("cluster '" + cluster + "' has no frontend"));
            if (fe.host() == null) {
                if (e.frontendHost() == null) {
                    throw new CmsException("endpoint '" + e.name() + "' names no host for frontends: set libvirt.frontend_host");
                }
                store().setHost(cluster, fe.name(), e.frontendHost());
                fe = store().node(cluster, fe.name()).orElseThrow();
            }
            nodes.add(fe);
        } else if (target.matches("[0-9]+")) {
            if (action == Action.ON || action == Action.OFF) {
                throw new CmsException("Action NOT SUPPORTED! Use 'comet start/terminate'! (power on/off of a whole computeset)");
            }
            csId = Long.parseLong(target);
            Computeset cs = computeset(e, csId);
            if (!cs.cluster().equals(cluster)) throw new CmsException("computeset " + csId + " belongs to cluster '" + cs.cluster() + "'");
            if (cs.state() != CsState.RUNNING) {
                throw new CmsException("computeset " + csId + " is " + cs.state().label() + ", not running");
            }
            nodes.addAll(store().nodesOf(csId));
        } else {
            List<String> names = Hostlist.expand(target);
            Map<String, Node> all = new HashMap<>();
            for (Node n : store().nodes(cluster)) all.put(n.name(), n);
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
        }
        List<String> failures = new ArrayList<>();
        List<Future<String>> fs = new ArrayList<>();
        final Long set = csId;
        for (Node n : nodes) fs.add(pool.submit(() -> powerOne(e, set != null ? set : n.computeset(), n, action)));
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

    private String powerOne(Endpoint e, Long cs, Node n, Action a) {
        try {
            Hypervisor h = libvirt.at(e.uri(n.host()));
            String other = foreign(h, n);
            if (other != null) return n.name() + ": " + clash(n, n.host(), other);
            String st = h.powerState(n.name());
            boolean running = Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st);
            switch (a) {
                case ON -> {
                    store().setAdminState(n.cluster(), n.name(), "on");
                    if (running) return n.name() + " is already on";
                    return powerOn(e, cs, n, n.host());
                }
                case OFF -> {
                    store().setAdminState(n.cluster(), n.name(), "off");
                    if (!running) return n.name() + " is already off";
                    h.destroy(n.name());
                }
                case SHUTDOWN -> {
                    store().setAdminState(n.cluster(), n.name(), "off");
                    if (!running) return n.name() + " is not running";
                    h.shutdown(n.name());
                    if (!awaitOff(h, n.name(), e.shutdownTimeout())) {
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
            store().setState(n.cluster(), n.name(), now);
            if (!n.frontend() && (Hypervisor.STOPPED.equals(now) || Hypervisor.UNDEFINED.equals(now))) {
                store().freeVf(n.cluster(), n.name());
            }
            store().event(cs, n.cluster(), n.name(), a.name().toLowerCase(java.util.Locale.ROOT), n.host());
            return null;
        } catch (CmsException x) {
            return n.name() + ": " + x.getMessage();
        }
    }
}
