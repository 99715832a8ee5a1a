package org.cloudmesh.cms.comet;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.iso.Isos;
import org.cloudmesh.cms.comet.power.PowerAction;
import org.cloudmesh.cms.comet.reconcile.Change;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;

/**
 * What the comet commands do, bound to one endpoint: {@link DirectService} drives Slurm and libvirt itself (on the
 * management node, and inside {@code cms server}), {@code RemoteService} asks a {@code cms server} over the
 * Nucleus-compatible API. Both answer with the same records and fail with the same messages, so every command prints
 * the same in either mode.
 */
public interface CometService {
    /** The endpoint's name in cloudmesh.yaml. */
    String name();

    /** For listings: brings the store in line with Slurm and libvirt (a server does that itself: nothing here). */
    List<Change> refresh(PrintWriter warn);

    /** One reconciliation round (comet watch): what changed since the last round. */
    List<Change> reconcile();

    List<Cluster> clusters();

    /** The cluster, or an error naming it ("unknown cluster"). */
    Cluster cluster(String name);

    /** The cluster's nodes: frontend first, then computes by index. */
    List<Node> nodes(String cluster);

    /** Computesets of the endpoint, newest first; null filters match anything. */
    List<Computeset> computesets(String cluster, Collection<CsState> states, String allocation);

    Computeset computeset(long id);

    /** What {@code comet cluster create} asks for; allocations empty = the endpoint's account. */
    record ClusterRequest(String name, int computes, int cpus, int memoryMb, int diskGb, String project,
                          List<String> allocations, String owner, String description) {
    }

    Cluster createCluster(ClusterRequest r);

    void deleteCluster(String name);

    /** Checks the limits, records the computeset and submits its Slurm job. */
    Computeset start(StartRequest r);

    Computeset terminate(long id);

    /**
     * Raises the time limit of a running or pending computeset by {@code by} (scontrol update as the endpoint's
     * operator account); refused, naming the limit, past limits.max_walltime or the project's, for a set that is
     * neither running nor pending, or for a user who does not own it.
     */
    Computeset extend(long id, java.time.Duration by);

    /** The reservations Slurm has on the endpoint (active and future). */
    List<org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation> reservations();

    /** Creates a Slurm reservation (administrators only). */
    void createReservation(org.cloudmesh.cms.comet.lifetime.Lifetime.ReservationRequest r);

    /** Deletes a Slurm reservation (administrators only). */
    void deleteReservation(String name);

    /** See {@link org.cloudmesh.cms.comet.power.Power#apply}: the names of the nodes acted on. */
    List<String> power(String cluster, PowerAction action, String target);

    /** The attributes 'comet node info' shows (the frontend when node is null). */
    Map<String, Object> nodeInfo(String cluster, String node);

    List<Isos.Iso> isos();

    Isos.Iso uploadIso(Path file, String name);

    /** Attaches the ISO (a name or a number of 'comet iso list'; null detaches) to nodes (null: the frontend). */
    List<Isos.Change> attachIso(String iso, String cluster, String hostlist);

    /** Checks a rename and returns old → new, changing nothing. */
    Map<String, String> renamePlan(String cluster, String oldNames, String newNames);

    /** Renames (checked again); returns per node what happened in libvirt. */
    Map<String, String> rename(String cluster, String oldNames, String newNames);

    /** The address of a running node's graphical console (the frontend when node is null). */
    String consoleLink(String cluster, String node, String oneTimeCode);

    /** The local control plane and endpoint, for what only works on the management node (serial console, stats). */
    DirectService direct();
}
