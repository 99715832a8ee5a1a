package org.cloudmesh.cms.comet.cmd;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet start CLUSTER [HOSTLIST] [--count N] [--walltime W] [--allocation A] [--reservation R] [--wait]}. */
@Command(name = "start", description = {"Start compute nodes as a computeset: one Slurm job that holds a physical host per node.",
        "Give the nodes as a HOSTLIST (vm-vc1-[0-3]) or a --count of free nodes."})
final class StartCommand extends CometCommand.Sub {
    static final Duration DEFAULT_WALLTIME = Duration.ofDays(2);

    @ParentCommand
    CometCommand parent;
    @Parameters(index = "0", paramLabel = "CLUSTER") String cluster;
    @Parameters(index = "1", arity = "0..1", paramLabel = "HOSTLIST", description = "Compute nodes, e.g. vm-vc1-[0-3]") String hostlist;
    @Option(names = "--count", paramLabel = "N", description = "Number of free compute nodes to start") String count;
    @Option(names = "--walltime", paramLabel = "W", description = "How long: 100m, 6h, 2d, 1w (default: 2d)") String walltime;
    @Option(names = "--allocation", paramLabel = "A", description = "Allocation to charge (one of the cluster's)") String allocation;
    @Option(names = "--reservation", paramLabel = "R", description = "A Slurm reservation to run in") String reservation;
    @Option(names = "--wait", description = "Wait, with a progress bar, until every node runs") boolean await;
    @Option(names = "--timeout", paramLabel = "W", description = "Give up waiting after this long (default: 30m)") String timeout;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() throws InterruptedException {
        Names.require("cluster", cluster);
        List<String> nodes = null;
        int n = 0;
        if (hostlist != null && count != null) {
            throw new CmsException("give either the names of nodes in hostlist format or --count, not both");
        }
        if (hostlist != null) {
            nodes = Hostlist.expand(hostlist);
            n = nodes.size();
        } else if (count != null) {
            try {
                n = Integer.parseInt(count.strip());
            } catch (NumberFormatException x) {
                throw new CmsException("Invalid count value specified! '" + count + "': give a whole number greater than zero");
            }
            if (n <= 0) throw new CmsException("count value has to be greater than zero (got " + n + ")");
        } else {
            throw new CmsException("You have to specify either the count of nodes, or the names of nodes in hostlist format");
        }
        Duration wall = walltime == null ? DEFAULT_WALLTIME : Walltime.parse(walltime);
        if (reservation != null) Names.require("reservation", reservation);
        Duration wait = timeout == null ? Duration.ofMinutes(30) : Walltime.parse(timeout);

        Endpoint e = endpoint();
        if (n > e.maxNodes()) {
            throw new CmsException(n + " nodes requested, but endpoint '" + e.name() + "' allows at most " + e.maxNodes()
                    + " per computeset (limits.max_nodes)");
        }
        if (wall.compareTo(e.maxWalltime()) > 0) {
            throw new CmsException("walltime " + Walltime.format(wall) + " is longer than endpoint '" + e.name()
                    + "' allows (" + Walltime.format(e.maxWalltime()) + ", limits.max_walltime)");
        }
        Comet comet = comet();
        Cluster c = comet.cluster(e, cluster);
        String alloc = chooseAllocation(c);
        Computeset cs = comet.start(e, new Comet.StartRequest(cluster, nodes, n, Walltime.minutes(wall), alloc, reservation));
        PrintWriter out = ctx().out();
        out.println("Request accepted! Check status with:");
        out.println("comet cluster " + cluster);
        out.println("or:");
        out.println("comet computeset " + cs.id());
        out.println("(computeset " + cs.id() + ": Slurm job " + cs.jobId() + ", nodes " + Hostlist.compress(cs.nodes())
                + ", walltime " + Walltime.format(wall) + ", allocation " + alloc + ")");
        out.flush();
        if (!await) return 0;
        return waitFor(e, cs, wait);
    }

    /** --allocation, the single one, a menu in the REPL, or an error listing the choices. */
    String chooseAllocation(Cluster c) {
        List<String> list = new ArrayList<>(new TreeSet<>(c.allocations()));
        if (list.isEmpty()) {
            throw new CmsException("No allocation available for the specified cluster " + c.name()
                    + ": the cluster has none (recreate it with --allocation)");
        }
        if (allocation != null) {
            Names.require("allocation", allocation);
            if (!list.contains(allocation)) {
                throw new CmsException("allocation '" + allocation + "' is not one of cluster " + c.name() + "'s: "
                        + String.join(", ", list));
            }
            return allocation;
        }
        if (list.size() == 1) return list.get(0);
        if (!ctx().interactive()) {
            throw new CmsException("cluster " + c.name() + " has several allocations: choose one with --allocation ("
                    + String.join(", ", list) + ")");
        }
        StringBuilder menu = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            menu.append(i + 1).append(": ").append(list.get(i)).append(i % 5 == 4 || i == list.size() - 1 ? "\n" : "\t");
        }
        ctx().out().print(menu);
        ctx().out().flush();
        for (int tries = 0; tries < 3; tries++) {
            String a = ctx().prompt("Pick an allocation by specifying its index: ").strip();
            if (list.contains(a)) return a;
            if (a.matches("[0-9]{1,6}") && Integer.parseInt(a) >= 1 && Integer.parseInt(a) <= list.size()) {
                return list.get(Integer.parseInt(a) - 1);
            }
            ctx().err().println("'" + a + "' is neither an index from 1 to " + list.size() + " nor an allocation name");
            ctx().err().flush();
        }
        throw new CmsException("no allocation chosen");
    }

    /** Reconciles until every node runs (0), the set fails or ends (1), or the timeout passes (1). */
    int waitFor(Endpoint e, Computeset cs, Duration timeout) throws InterruptedException {
        PrintWriter err = ctx().err();
        boolean tty = ctx().interactive();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        int total = cs.nodes().size();
        while (true) {
            comet().reconcileQuietly(e, null);
            Computeset now = comet().store().computeset(cs.id()).orElseThrow();
            int up = 0;
            if (now.state().active()) {
                for (Node n : comet().store().nodesOf(cs.id())) if ("active".equals(n.state())) up++;
            }
            String line = bar(up, total) + " " + up + "/" + total + " nodes running (computeset " + cs.id() + " "
                    + now.state().label() + (now.reason() != null && now.state() == CsState.SUBMITTED ? ": " + now.reason() : "") + ")";
            if (!line.equals(last)) {
                if (tty) err.print("\r" + line + "\033[K"); // clear what a longer previous line left
                else err.println(line);
                err.flush();
                last = line;
            }
            if (now.state() == CsState.RUNNING && up == total) {
                if (tty) err.println();
                ctx().out().println("Computeset " + cs.id() + " is running: " + Hostlist.compress(now.nodes()) + " on " + now.hosts());
                return 0;
            }
            if (now.state().terminal()) {
                if (tty) err.println();
                throw new CmsException("computeset " + cs.id() + " " + now.state().label()
                        + (now.reason() == null ? "" : ": " + now.reason()));
            }
            if (System.nanoTime() > deadline) {
                if (tty) err.println();
                throw new CmsException("computeset " + cs.id() + " is still " + now.state().label() + " after "
                        + Walltime.format(timeout) + " (it goes on; see 'comet computeset " + cs.id() + "')");
            }
            Thread.sleep(now.state() == CsState.RUNNING ? 100 : 300);
        }
    }

    static String bar(int done, int total) {
        int width = 20;
        int fill = total == 0 ? width : done * width / total;
        return "[" + "#".repeat(fill) + "-".repeat(width - fill) + "]";
    }
}
