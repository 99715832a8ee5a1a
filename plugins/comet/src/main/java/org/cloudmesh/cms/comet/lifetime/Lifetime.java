package org.cloudmesh.cms.comet.lifetime;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;

/**
 * The lifetime of computesets on one endpoint: extending a walltime, checking a start against a reservation,
 * and managing reservations. Raising a limit and managing reservations run as the endpoint's Slurm operator
 * account (slurm.operator); every check comes before Slurm is asked, so a refusal changes nothing.
 */
public final class Lifetime {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z").withZone(ZoneId.systemDefault());

    private final Comet comet;
    private final Endpoint endpoint;

    public Lifetime(Comet comet, Endpoint endpoint) {
        this.comet = comet;
        this.endpoint = endpoint;
    }

    static String time(long epoch) {
        return TIME.format(Instant.ofEpochSecond(epoch));
    }

    /**
     * Raises the time limit of a running or pending computeset by {@code by}. Refused, naming the limit, when the
     * new walltime passes the endpoint's limits.max_walltime, when the set is neither running nor pending, or when
     * {@code user} does not own its cluster (an administrator may). The store's view of the set is used: when Slurm
     * has ended the job meanwhile, Slurm's refusal is quoted and the next reconciliation records the end.
     */
    public Computeset extend(long id, Duration by, String user, boolean admin) {
        Computeset cs = comet.computesets().computeset(endpoint, id);
        if ((cs.state() != CsState.RUNNING && cs.state() != CsState.SUBMITTED) || cs.jobId() == null) {
            throw new CmsException("computeset " + id + " is " + cs.state().label() + ": only a running or pending"
                    + " computeset can be extended (see 'comet computeset " + id + "')");
        }
        Cluster cl = comet.clusters().cluster(endpoint, cs.cluster());
        requireOwner(cl, cs, user, admin);
        long minutes = newWalltime(cs, by);
        if (Duration.ofMinutes(minutes).compareTo(endpoint.maxWalltime()) > 0) {
            throw new CmsException("extending computeset " + id + " by " + Walltime.format(by) + " would make its walltime "
                    + Walltime.format(Duration.ofMinutes(minutes)) + ", longer than endpoint '" + endpoint.name()
                    + "' allows (" + Walltime.format(endpoint.maxWalltime()) + ", limits.max_walltime); nothing changed");
        }
        comet.operator(endpoint, "raise a time limit").timeLimit(cs.jobId(), minutes);
        comet.store().extend(id, minutes, "by " + Walltime.format(by) + " to " + Walltime.format(Duration.ofMinutes(minutes))
                + " (" + user + ")");
        return comet.computesets().computeset(endpoint, id);
    }

    /** The walltime a computeset would have after an extension by {@code by}, in minutes. */
    public static long newWalltime(Computeset cs, Duration by) {
        return cs.walltimeMins() + Walltime.minutes(by);
    }

    /** Refuses a user who does not own the set's cluster (a cluster without an owner is everyone's in its project). */
    public static void requireOwner(Cluster cl, Computeset cs, String user, boolean admin) {
        if (!admin && cl.owner() != null && !cl.owner().equals(user)) {
            throw new CmsException("computeset " + cs.id() + " belongs to cluster " + cl.name() + " of " + cl.owner()
                    + ": only its owner or an administrator may extend it; nothing changed");
        }
    }

    /**
     * Checks a start of {@code nodes} nodes for {@code walltimeMins} from {@code begin} (epoch seconds; null: now)
     * against a reservation before Slurm is asked: it must exist, hold that many nodes, and the set must start and
     * end inside its window.
     */
    public void checkReservation(String name, int nodes, Long begin, long walltimeMins) {
        SlurmClient.Reservation r = comet.slurm(endpoint).reservation(name);
        if (r == null) throw new CmsException("unknown reservation '" + name + "': see 'comet reservation list'");
        if (nodes > r.nodeCount()) {
            throw new CmsException(nodes + " nodes requested, but reservation " + name + " holds only " + r.nodeCount()
                    + " (" + r.nodes() + ")");
        }
        long start = begin != null ? begin : Instant.now().getEpochSecond();
        long end = start + walltimeMins * 60;
        if (r.end() != null && start >= r.end()) {
            throw new CmsException("reservation " + name + " ends at " + time(r.end()) + ", before the computeset would start ("
                    + time(start) + ")");
        }
        if (r.start() != null && start < r.start()) {
            throw new CmsException("reservation " + name + " starts at " + time(r.start()) + ", after the computeset would start ("
                    + time(start) + "): add --begin " + Instant.ofEpochSecond(r.start()).atZone(ZoneId.systemDefault())
                    .toLocalDateTime().withNano(0));
        }
        if (r.end() != null && end > r.end()) {
            throw new CmsException("the computeset would end at " + time(end) + ", after reservation " + name + " ends ("
                    + time(r.end()) + "): give a --walltime of at most " + Math.max(1, (r.end() - start) / 60) + "m");
        }
    }

    /** What 'comet reservation create' asks for; accounts empty = the endpoint's account. */
    public record ReservationRequest(String name, int nodes, String start, Duration duration, List<String> accounts) {
    }

    /**
     * Creates a reservation as the operator account, after checking every field; Slurm's refusal is quoted, and a
     * reservation Slurm could give fewer nodes than asked is deleted again.
     */
    public void createReservation(ReservationRequest r) {
        Names.require("reservation", r.name());
        if (r.nodes() < 1 || r.nodes() > endpoint.maxNodes()) {
            throw new CmsException("--nodes " + r.nodes() + ": give 1 to " + endpoint.maxNodes() + " nodes (limits.max_nodes)");
        }
        Times.parse("--start", r.start(), ZonedDateTime.now());
        List<String> accounts = new ArrayList<>();
        for (String a : r.accounts() == null ? List.<String>of() : r.accounts()) accounts.add(Names.require("account", a.strip()));
        if (accounts.isEmpty() && endpoint.slurm().account() != null) accounts.add(endpoint.slurm().account());
        if (accounts.isEmpty()) throw new CmsException("name the accounts that may use the reservation with --accounts");
        SlurmClient op = comet.operator(endpoint, "create reservations");
        op.createReservation(r.name(), r.nodes(), r.start().strip().toLowerCase(java.util.Locale.ROOT),
                Walltime.minutes(r.duration()), accounts);
        // Slurm gives fewer nodes than asked when the others are busy or reserved: a class needs them all
        SlurmClient.Reservation made = op.reservation(r.name());
        if (made != null && made.nodeCount() < r.nodes()) {
            op.deleteReservation(r.name());
            throw new CmsException("Slurm could reserve only " + made.nodeCount() + " of the " + r.nodes() + " nodes from "
                    + r.start() + " (the others are busy or reserved): nothing was reserved");
        }
    }

    /** Deletes a reservation as the operator account. */
    public void deleteReservation(String name) {
        comet.operator(endpoint, "delete reservations").deleteReservation(Names.require("reservation", name));
    }

    public List<SlurmClient.Reservation> reservations() {
        return comet.slurm(endpoint).reservations();
    }
}
