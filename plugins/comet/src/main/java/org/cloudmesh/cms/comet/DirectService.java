package org.cloudmesh.cms.comet;

import java.time.Instant;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.console.ConsoleCommand;
import org.cloudmesh.cms.comet.iso.Isos;
import org.cloudmesh.cms.comet.lifetime.Lifetime;
import org.cloudmesh.cms.comet.power.PowerAction;
import org.cloudmesh.cms.comet.reconcile.Change;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.rename.Renames;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.api.libvirt.Hypervisor;

/**
 * The comet operations on this machine: the store, Slurm over ssh and libvirt, for one endpoint, acting for
 * {@code user} ({@code admin}: an administrator of the cms server, who may act on every user's computesets).
 */
public record DirectService(Comet comet, Endpoint endpoint, String user, boolean admin) implements CometService {

    /** For the user running this shell. */
    public DirectService(Comet comet, Endpoint endpoint) {
        this(comet, endpoint, System.getProperty("user.name"), false);
    }

    @Override
    public String name() {
        return endpoint.name();
    }

    @Override
    public List<Change> refresh(PrintWriter warn) {
        return comet.reconciler().refresh(endpoint, warn);
    }

    @Override
    public List<Change> reconcile() {
        return comet.reconciler().reconcile(endpoint);
    }

    @Override
    public List<Cluster> clusters() {
        return comet.store().clusters(endpoint.name());
    }

    @Override
    public Cluster cluster(String name) {
        return comet.clusters().cluster(endpoint, Names.require("cluster", name));
    }

    @Override
    public List<Node> nodes(String cluster) {
        return comet.store().nodes(cluster);
    }

    @Override
    public List<Computeset> computesets(String cluster, Collection<CsState> states, String allocation) {
        return comet.store().computesets(new Store.CsFilter(endpoint.name(), cluster, states, allocation));
    }

    @Override
    public Computeset computeset(long id) {
        return comet.computesets().computeset(endpoint, id);
    }

    @Override
    public Cluster createCluster(ClusterRequest r) {
        Names.require("cluster", r.name());
        if (r.name().length() > 40) throw new CmsException("invalid cluster name '" + r.name() + "': use at most 40 characters");
        if (r.computes() < 1 || r.computes() > 10_000) {
            throw new CmsException("--computes " + r.computes() + ": give a number of compute nodes from 1 to 10000");
        }
        if (r.cpus() < 1 || r.cpus() > 4096) throw new CmsException("--cpus " + r.cpus() + ": give 1 to 4096 vCPUs");
        if (r.memoryMb() < 1 || r.memoryMb() > 16 * 1024 * 1024) throw new CmsException("--memory '" + r.memoryMb() + "': out of range");
        if (r.diskGb() < 1 || r.diskGb() > 16 * 1024 * 1024) throw new CmsException("--disk '" + r.diskGb() + "': out of range");
        if (r.project() != null) Names.require("project", r.project());
        if (r.owner() != null) Names.require("owner", r.owner());
        if (r.description() != null && r.description().chars().anyMatch(c -> c < ' ')) {
            throw new CmsException("--description: use one line of text");
        }
        List<String> allocs = new ArrayList<>();
        for (String a : r.allocations() == null ? List.<String>of() : r.allocations()) {
            if (!allocs.contains(Names.require("allocation", a.strip()))) allocs.add(a.strip());
        }
        if (allocs.isEmpty() && endpoint.slurm().account() != null) allocs.add(endpoint.slurm().account());
        return comet.store().createCluster(new Store.ClusterSpec(r.name(), endpoint.name(), r.project(), r.description(),
                r.owner(), allocs, r.computes(), r.cpus(), r.memoryMb(), r.diskGb(), r.cpus(), r.memoryMb(), r.diskGb()));
    }

    /** Gives a cluster a software stack; see {@link org.cloudmesh.cms.comet.stack.VcStack#setup}. */
    public Store.Stack setupStack(String cluster, String stack) {
        return comet.stacks().setup(endpoint, Names.require("cluster", cluster), stack);
    }

    @Override
    public void deleteCluster(String name) {
        comet.clusters().delete(endpoint, Names.require("cluster", name));
    }

    @Override
    public Computeset start(StartRequest r) {
        return comet.computesets().start(endpoint, r);
    }

    @Override
    public Computeset terminate(long id) {
        comet.reconciler().reconcileQuietly(endpoint, null);
        return comet.computesets().terminate(endpoint, id, user);
    }

    @Override
    public Computeset extend(long id, Duration by) {
        return new Lifetime(comet, endpoint).extend(id, by, user, admin);
    }

    @Override
    public List<SlurmClient.Reservation> reservations() {
        return new Lifetime(comet, endpoint).reservations();
    }

    @Override
    public void createReservation(Lifetime.ReservationRequest r) {
        new Lifetime(comet, endpoint).createReservation(r);
    }

    @Override
    public void deleteReservation(String name) {
        new Lifetime(comet, endpoint).deleteReservation(name);
    }

    @Override
    public List<String> power(String cluster, PowerAction action, String target) {
        return comet.power().apply(endpoint, Names.require("cluster", cluster), action, target);
    }

    /** The node of a cluster, or the frontend when {@code node} is null. */
    public Node node(String cluster, String node) {
        cluster(cluster);
        if (node != null) Names.require("node", node);
        return nodes(cluster).stream().filter(x -> node == null ? x.frontend() : x.name().equals(node)).findFirst()
                .orElseThrow(() -> new CmsException("cluster '" + cluster + "' has no node '" + node + "': see 'comet cluster "
                        + cluster + "'"));
    }

    @Override
    public Map<String, Object> nodeInfo(String cluster, String node) {
        Node n = node(cluster, node);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", n.name());
        r.put("type", "VM");
        r.put("kind", n.kind());
        r.put("cluster", n.cluster());
        r.put("state", n.state());
        r.put(n.frontend() ? "frontend_state" : "compute_state", n.adminState());
        r.put("cpus", n.cpus());
        r.put("memory", n.memoryMb());
        r.put("disksize", n.diskGb());
        r.put("interface", n.mac() + " " + n.ip());
        r.put("ip", n.ip());
        r.put("netmask", "255.255.0.0");
        r.put("gateway", "10.0.0.1");
        if (n.frontend()) {
            r.put("pub_mac", n.pubMac());
            r.put("pub_ip", n.pubIp());
        }
        r.put("host", n.host());
        r.put("ssh", comet.vms().sshAddress(endpoint, n));
        r.put("vf", n.vf());
        r.putAll(Isos.status(comet, endpoint, n));
        r.put("active_computeset", n.computeset());
        r.put("uuid", n.uuid());
        return r;
    }

    @Override
    public List<Isos.Iso> isos() {
        return Isos.list(comet.store());
    }

    @Override
    public Isos.Iso uploadIso(Path file, String name) {
        return Isos.upload(comet.store(), endpoint, file, name);
    }

    @Override
    public List<Isos.Change> attachIso(String iso, String cluster, String hostlist) {
        Names.require("cluster", cluster);
        Isos.Iso i = iso == null ? null : Isos.resolve(comet.store(), iso);
        return Isos.attach(comet, endpoint, cluster, hostlist, i);
    }

    @Override
    public Map<String, String> renamePlan(String cluster, String oldNames, String newNames) {
        return Renames.plan(comet, endpoint, Names.require("cluster", cluster), oldNames, newNames);
    }

    @Override
    public Map<String, String> rename(String cluster, String oldNames, String newNames) {
        return Renames.apply(comet, endpoint, cluster, renamePlan(cluster, oldNames, newNames));
    }

    /** A node that runs, for its consoles: an error naming what to do otherwise. */
    public Node running(String cluster, String node) {
        Node n = node(cluster, node);
        if (n.host() == null) throw new CmsException(n.name() + " is not running: power it on first ('comet power on')");
        String st = comet.libvirt().at(endpoint.uri(n.host())).powerState(n.name());
        if (!Hypervisor.ACTIVE.equals(st) && !Hypervisor.PAUSED.equals(st)) {
            throw new CmsException(n.name() + " is " + st + " on " + n.host() + ": power it on first ('comet power on')");
        }
        return n;
    }

    /** The graphical console address (vnc://ADDRESS:PORT) of a running node (the frontend when node is null). */
    public String graphicsUrl(String cluster, String node) {
        Node n = running(cluster, node);
        String uri = endpoint.uri(n.host());
        return ConsoleCommand.graphicsUrl(comet.libvirt().at(uri).xml(n.name()), n.name(), uri);
    }

    @Override
    public String consoleLink(String cluster, String node, String oneTimeCode) {
        graphicsUrl(cluster, node); // says now when the node is off or has no display
        ConsoleLink link = new ConsoleLink("comet", cluster, node, cluster(cluster).project(), ConsoleLinks.localUser(),
                Instant.now().plus(ConsoleLinks.TTL));
        return ConsoleLinks.local(comet.home(), link) + " (works once, within " + ConsoleLinks.TTL.toSeconds() + " s)";
    }

    @Override
    public DirectService direct() {
        return this;
    }
}
