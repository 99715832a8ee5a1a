package org.cloudmesh.cms.comet.reconcile;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Store;

/**
 * Brings the store in line with Slurm: records the state changes of every active computeset of an endpoint, has
 * the nodes of a running job placed and started, stops the VMs and frees the VFs of an ended one, adopts the job
 * of a set left "created" by a crash, and keeps cancelling the job of a failed set until Slurm lets it go. Then
 * node power states are read from libvirt ({@link NodeStates}). One reconciliation at a time in this process.
 */
public final class Reconciler {
    /** Sets whose Slurm job is unknown are failed only after this long (sacct may lag behind squeue). */
    static final long UNKNOWN_JOB_GRACE_S = 60;
    /** A set left "created" (a crash during sbatch) is failed after this long when Slurm has no job of its name. */
    static final long CREATED_GRACE_S = 30;
    /** Reason prefix of a failed set whose Slurm job still has to be cancelled. */
    static final String CANCEL_OWED = "failed, job not yet cancelled: ";

    private final Comet comet;
    /** One reconciliation at a time in this process (libvirt work runs on the pool meanwhile). */
    private final Object lock = new Object();
    /** When each endpoint was last reconciled without error (System.nanoTime). */
    private final Map<String, Long> reconciled = new ConcurrentHashMap<>();

    public Reconciler(Comet comet) {
        this.comet = comet;
    }

    /** Runs {@code body} while no reconciliation of this process runs (a terminate must not race one). */
    public <T> T exclusively(Supplier<T> body) {
        synchronized (lock) {
            return body.get();
        }
    }

    /**
     * For listings: reconciles unless this shell did so less than the endpoint's {@code reconcile_max_age} ago
     * (0 by default: always).
     */
    public List<Change> refresh(Endpoint e, PrintWriter warn) {
        Long last = reconciled.get(e.name());
        if (last != null && !e.reconcileMaxAge().isZero() && System.nanoTime() - last < e.reconcileMaxAge().toNanos()) {
            return List.of();
        }
        return reconcileQuietly(e, warn);
    }

    /** Reconciles, but a Slurm host that cannot be reached only gives a warning: listings still show the store. */
    public List<Change> reconcileQuietly(Endpoint e, PrintWriter warn) {
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
     * Brings every active computeset of the endpoint in line with Slurm, then refreshes node power states from
     * libvirt. One squeue call whatever the number of sets.
     */
    public List<Change> reconcile(Endpoint e) {
        synchronized (lock) {
            reconciled.remove(e.name());
            List<Change> changes = reconcileLocked(e);
            reconciled.put(e.name(), System.nanoTime());
            return changes;
        }
    }

    private List<Change> reconcileLocked(Endpoint e) {
        List<Change> changes = new ArrayList<>();
        Store store = comet.store();
        List<Computeset> active = store.computesets(new Store.CsFilter(e.name(), null, CsState.activeStates(), null));
        if (!active.isEmpty()) {
            SlurmClient s = comet.slurm(e);
            long now = Store.now();
            List<String> ids = new ArrayList<>();
            for (Computeset cs : active) {
                if (cs.jobId() == null) {
                    SlurmClient.Job j = s.byName(comet.computesets().jobName(cs));
                    if (j != null) {
                        store.submitted(cs.id(), j.id());
                        ids.add(j.id());
                    } else if (now - cs.created() > CREATED_GRACE_S) {
                        comet.vms().stop(e, cs);
                        store.transition(cs.id(), CsState.FAILED, null, "the Slurm submission did not complete", null, null, null);
                        changes.add(new Change(cs.id(), cs.state(), CsState.FAILED, "submission did not complete"));
                    }
                } else {
                    ids.add(cs.jobId());
                }
            }
            Map<String, SlurmClient.Job> jobs = s.jobs(ids);
            for (Computeset cs : store.computesets(new Store.CsFilter(e.name(), null, CsState.activeStates(), null))) {
                if (cs.jobId() == null) continue;
                Change c = apply(e, cs, jobs.get(cs.jobId()));
                if (c != null) changes.add(c);
            }
        }
        changes.addAll(comet.nodeStates().refresh(e));
        return changes;
    }

    private Change apply(Endpoint e, Computeset cs, SlurmClient.Job job) {
        Store store = comet.store();
        if (job == null) {
            long since = cs.submitTime() != null ? cs.submitTime() : cs.created();
            if (Store.now() - since < UNKNOWN_JOB_GRACE_S) return null;
            comet.vms().stop(e, cs);
            String why = "Slurm has no record of job " + cs.jobId();
            store.transition(cs.id(), CsState.FAILED, null, why, null, null, null);
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
                    comet.slurm(e).cancel(cs.jobId());
                } catch (CmsException x) {
                    return null;   // still owed; the next reconciliation tries again
                }
            }
            comet.vms().stop(e, cs);
            store.transition(cs.id(), CsState.FAILED, "CANCELLED", why, null, null, null);
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
                store.transition(cs.id(), CsState.SUBMITTED, slurmState, job.reason(), null, job.start(), null);
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, job.reason());
            }
            case RUNNING -> {
                List<String> hosts = job.nodes() == null ? List.of() : Hostlist.expand(job.nodes());
                String failure = comet.placement().place(e, cs, hosts);
                if (failure != null) {
                    fail(e, cs, failure);
                    return new Change(cs.id(), cs.state(), CsState.FAILED, failure);
                }
                store.transition(cs.id(), CsState.RUNNING, slurmState, null, job.nodes(), job.start(), null);
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, job.nodes());
            }
            default -> {
                comet.vms().stop(e, cs);
                String reason = to == CsState.COMPLETED && slurmState.startsWith("TIMEOUT") ? "walltime reached"
                        : job.reason();
                store.transition(cs.id(), to, slurmState, reason, job.nodes(), job.start(), job.end());
                return cs.state() == to ? null : new Change(cs.id(), cs.state(), to, reason);
            }
        }
    }

    /** A computeset that cannot run: cancel its job, stop what started, free the VFs. */
    private void fail(Endpoint e, Computeset cs, String why) {
        String owed = null;
        try {
            if (cs.jobId() != null) comet.slurm(e).cancel(cs.jobId());
        } catch (CmsException x) {
            owed = x.getMessage();
        } finally {
            comet.vms().stop(e, cs);
        }
        if (owed == null) {
            comet.store().transition(cs.id(), CsState.FAILED, "CANCELLED", why, null, null, null);
        } else {
            // the job could not be cancelled: the set stays "ending" and every reconciliation cancels it again,
            // so no job is left holding hosts for a set that failed
            comet.store().transition(cs.id(), CsState.ENDING, cs.slurmState(), CANCEL_OWED + why + " (scancel " + cs.jobId()
                    + " to be retried: " + owed + ")", null, null, null);
        }
    }
}
