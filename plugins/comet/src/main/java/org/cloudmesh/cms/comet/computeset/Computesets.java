package org.cloudmesh.cms.comet.computeset;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.lifetime.Lifetime;
import org.cloudmesh.cms.comet.lifetime.Times;
import org.cloudmesh.cms.comet.slurm.Remote;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;

/**
 * Computesets: a start records the set and submits its Slurm job (the reconciliation places and starts its nodes
 * once the job runs); a terminate cancels the job and stops the nodes.
 */
public final class Computesets {
    private final Comet comet;

    public Computesets(Comet comet) {
        this.comet = comet;
    }

    /** The computeset, or an error naming it: unknown, or another endpoint's (then naming that endpoint). */
    public Computeset computeset(Endpoint e, long id) {
        Computeset cs = comet.store().computeset(id).orElseThrow(() -> new CmsException("unknown computeset " + id
                + ": see 'comet computeset'"));
        if (!cs.endpoint().equals(e.name())) {
            throw new CmsException("computeset " + id + " belongs to endpoint '" + cs.endpoint() + "': add --endpoint "
                    + cs.endpoint());
        }
        return cs;
    }

    /**
     * Records a computeset and submits its Slurm job, after checking what depends on the endpoint and the cluster:
     * the cluster, limits.max_nodes and limits.max_walltime, the reservation (it must exist, hold the nodes, and
     * the set must fit its window) and the allocation; then {@link #submit}. Nothing is recorded when a check fails.
     */
    public Computeset start(Endpoint e, StartRequest r) {
        Cluster c = comet.clusters().cluster(e, r.cluster());
        int n = r.size();
        if (n > e.maxNodes()) {
            throw new CmsException(n + " nodes requested, but endpoint '" + e.name() + "' allows at most "
                    + e.maxNodes() + " per computeset (limits.max_nodes)");
        }
        Duration wall = Duration.ofMinutes(r.walltimeMins());
        if (wall.compareTo(e.maxWalltime()) > 0) {
            throw new CmsException("walltime " + Walltime.format(wall) + " is longer than endpoint '" + e.name()
                    + "' allows (" + Walltime.format(e.maxWalltime()) + ", limits.max_walltime)");
        }
        if (r.reservation() != null) {
            Long begin = r.begin() == null ? null : Times.parse("--begin", r.begin(), ZonedDateTime.now());
            new Lifetime(comet, e).checkReservation(r.reservation(), n, begin, r.walltimeMins());
        }
        String allocation = Allocations.choose(c, r.allocation());
        if (allocation == null) {
            throw new CmsException("cluster " + c.name() + " has several allocations: choose one with --allocation ("
                    + String.join(", ", Allocations.of(c)) + ")");
        }
        return submit(e, r, allocation);
    }

    /**
     * Records a computeset and submits its Slurm job, charged to {@code allocation}: what {@link #start} does after
     * its checks, and what the cluster backend ({@code nist.CometClusters}) calls with a request it sized to the
     * endpoint and an allocation of its own choosing. Checks the VF pools first: with one VM per host, N nodes need N
     * hosts with a free VF; hosts without one are excluded from the job.
     */
    public Computeset submit(Endpoint e, StartRequest r, String allocation) {
        comet.reconciler().reconcileQuietly(e, null);
        List<String> exclude = comet.vfPool().hostsWithoutFreeVf(e, r.size());
        Store store = comet.store();
        Computeset cs = store.createComputeset(r.cluster(), e.name(), r.nodes(), r.count(), allocation, r.walltimeMins(),
                r.reservation());
        String job;
        try {
            job = comet.slurm(e).submit(new SlurmClient.Submit(jobName(cs), allocation, r.walltimeMins(), cs.nodes().size(),
                    e.slurm().partition(), r.reservation(), r.begin(), e.slurm().exclusive(), exclude, e.slurm().outputDir()));
        } catch (Remote.InDoubt u) {
            // the job may or may not exist: the set stays "created" and the next command looks for it by name
            throw new CmsException(u.getMessage() + " (computeset " + cs.id()
                    + " waits; the next comet command finds out whether Slurm got it)", u);
        } catch (Remote.Unreachable u) {
            // sbatch never ran: nothing exists in Slurm, the set is closed as failed and its nodes are free again
            store.transition(cs.id(), CsState.FAILED, null, "not submitted: " + u.getMessage(), null, null, null);
            throw new CmsException(u.getMessage() + ": computeset " + cs.id() + " was not submitted (nothing changed"
                    + " in Slurm); try again when the host answers", u);
        } catch (CmsException refused) {
            store.transition(cs.id(), CsState.FAILED, null, refused.getMessage(), null, null, null);
            throw refused;
        }
        store.submitted(cs.id(), job);
        return store.computeset(cs.id()).orElseThrow();
    }

    /**
     * The Slurm job name of a computeset: {@code cms-CLUSTER-ID-TAG}. TAG, the first 8 hex digits of the cluster's
     * frontend UUID (random at creation), tells this store's job from the job of another cms store that has a
     * cluster of the same name and a set of the same number: crash recovery adopts jobs by name.
     */
    public String jobName(Computeset cs) {
        String tag = null;
        for (Node n : comet.store().nodes(cs.cluster())) {
            if (n.frontend() && n.uuid() != null) tag = n.uuid().replace("-", "").substring(0, 8).toLowerCase(Locale.ROOT);
        }
        return "cms-" + cs.cluster() + "-" + cs.id() + (tag == null ? "" : "-" + tag);
    }

    /**
     * Terminates for {@code user} (the reason names them). Under the reconciliation lock: a reconciliation of this
     * process cannot place and start a node of the set between the cancel and the stop (a VM left running).
     */
    public Computeset terminate(Endpoint e, long id, String user) {
        return comet.reconciler().exclusively(() -> {
            Computeset cs = computeset(e, id);
            if (cs.state().terminal()) {
                throw new CmsException("computeset " + id + " is already " + cs.state().label() + ": nothing to terminate");
            }
            if (cs.jobId() != null) comet.slurm(e).cancel(cs.jobId());
            comet.vms().stop(e, cs);
            comet.store().transition(id, CsState.CANCELLED, "CANCELLED", "terminated by " + user, null, null, null);
            return comet.store().computeset(id).orElseThrow();
        });
    }
}
