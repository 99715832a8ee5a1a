package org.cloudmesh.cms.comet.cmd;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.DirectService;
import org.cloudmesh.cms.comet.computeset.Allocations;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet start CLUSTER [HOSTLIST] [--count N] [--walltime W] [--allocation A] [--reservation R] [--begin TIME] [--wait]}. */
@Command(name = "start", description = {"Start compute nodes as a computeset: one Slurm job that holds a physical host per node.",
        "Give the nodes as a HOSTLIST (vm-vc1-[0-3]) or a --count of free nodes."})
final class StartCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster whose compute nodes start") String cluster;
    @Parameters(index = "1", arity = "0..1", paramLabel = "HOSTLIST", description = "Compute nodes, e.g. vm-vc1-[0-3]") String hostlist;
    @Option(names = "--count", paramLabel = "N", description = "Number of free compute nodes to start") String count;
    @Option(names = "--walltime", paramLabel = "W", description = "How long: 100m, 6h, 2d, 1w (default: 2d)") String walltime;
    @Option(names = "--allocation", paramLabel = "A", description = "Allocation to charge (one of the cluster's)") String allocation;
    @Option(names = "--reservation", paramLabel = "R", description = "A Slurm reservation to run in (see 'comet reservation list'):"
            + " the set must start and end inside it") String reservation;
    @Option(names = "--begin", paramLabel = "TIME", description = "Submit now, start then (Slurm's --begin: 16:00, now+1hour,"
            + " 2026-12-24T09:00)") String begin;
    @Option(names = "--wait", description = "Wait, with a progress bar, until every node runs") boolean await;
    @Option(names = "--wait-ssh", description = "Wait until every node runs and answers ssh (implies --wait)") boolean awaitSsh;
    @Option(names = "--timeout", paramLabel = "W", description = "Give up waiting after this long (default: 30m)") String timeout;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() throws InterruptedException {
        Duration wall = walltime == null ? Duration.ofMinutes(StartRequest.DEFAULT_WALLTIME_MINS) : Walltime.parse(walltime);
        StartRequest r = StartRequest.of(cluster, hostlist == null ? null : Hostlist.expand(hostlist), count,
                Walltime.minutes(wall), allocation, reservation, begin);
        Duration wait = timeout == null ? Duration.ofMinutes(30) : Walltime.parse(timeout);
        CometService s = svc();
        if (r.allocation() == null && ctx().interactive()) {
            String chosen = chooseAllocation(s.cluster(cluster));
            if (chosen != null) r = r.charging(chosen);
        }
        Computeset cs = s.start(r);
        PrintWriter out = ctx().out();
        out.println("Request accepted! Check status with:");
        out.println("comet cluster " + cluster);
        out.println("or:");
        out.println("comet computeset " + cs.id());
        out.println("(computeset " + cs.id() + ": Slurm job " + cs.jobId() + ", nodes " + Hostlist.compress(cs.nodes())
                + ", walltime " + Walltime.format(wall) + ", allocation " + cs.allocation() + ")");
        if (s instanceof DirectService d && d.endpoint().guests().emulateSriov()) {
            out.println("Note: endpoint '" + d.endpoint().name() + "' emulates SR-IOV (libvirt.sriov: emulate): each node's VF"
                    + " is an emulated virtio NIC, named in its domain's metadata, not a passed-through device");
        }
        out.flush();
        if (!await && !awaitSsh) return 0;
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            int rc = waitFor(s, cs, wait);
            return awaitSsh ? waitForSsh(s, cs, wait, deadline) : rc;
        } catch (InterruptedException | RuntimeException x) {
            // Ctrl-C (in the REPL) ends the wait, not the computeset
            if (x instanceof RuntimeException rx && !Thread.currentThread().isInterrupted()) throw rx;
            throw new CmsException(130, "stopped waiting (Ctrl-C); computeset " + cs.id() + " goes on: see 'comet computeset "
                    + cs.id() + "', or end it with 'comet terminate " + cs.id() + "'", x);
        }
    }

    /** In the REPL: the cluster's single allocation, else a menu; null when it has none (the service says so). */
    String chooseAllocation(Cluster c) {
        List<String> list = Allocations.of(c);
        if (list.size() <= 1) return null;
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
    int waitFor(CometService s, Computeset cs, Duration timeout) throws InterruptedException {
        PrintWriter err = ctx().err();
        boolean tty = ctx().interactive();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        int total = cs.nodes().size();
        while (true) {
            s.refresh(null);
            List<Node> nodes = s.nodes(cs.cluster());   // before the set: a node never shows running before its set
            Computeset now = s.computeset(cs.id());
            int up = 0;
            if (now.state().active()) {
                for (Node n : nodes) if (now.nodes().contains(n.name()) && "active".equals(n.state())) up++;
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

    /**
     * After the nodes run: waits until each answers ssh with its banner (a guest's forwarded port accepts connections
     * before its sshd runs), where 'comet node info' says it is reached.
     */
    int waitForSsh(CometService s, Computeset cs, Duration timeout, long deadline) throws InterruptedException {
        PrintWriter err = ctx().err();
        boolean tty = ctx().interactive();
        java.util.Set<String> answered = new java.util.TreeSet<>();
        java.util.Map<String, String> where = new java.util.HashMap<>();
        String last = null;
        int total = cs.nodes().size();
        while (true) {
            java.util.Map<String, java.util.concurrent.CompletableFuture<Boolean>> probes = new java.util.LinkedHashMap<>();
            for (String n : cs.nodes()) {
                if (answered.contains(n)) continue;
                String a = where.get(n);
                if (a == null) {
                    a = (String) s.nodeInfo(cs.cluster(), n).get("ssh");
                    if (a == null) {
                        throw new CmsException("node " + n + " has no address to reach ssh at (it is not running on a"
                                + " hypervisor that runs guests): see 'comet node info " + cs.cluster() + " " + n + "'");
                    }
                    where.put(n, a);
                }
                String host = a.substring(0, a.lastIndexOf(':'));
                int port = Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
                // all at once: a probe of a guest still booting waits up to a second for the banner
                probes.put(n, java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> org.cloudmesh.cms.api.ssh.SshClient.answers(host, port), PROBES));
            }
            for (var p : probes.entrySet()) if (p.getValue().join()) answered.add(p.getKey());
            String line = bar(answered.size(), total) + " " + answered.size() + "/" + total + " nodes answer ssh (computeset " + cs.id() + ")";
            if (!line.equals(last)) {
                if (tty) err.print("\r" + line + "\033[K");
                else err.println(line);
                err.flush();
                last = line;
            }
            if (answered.size() == total) {
                if (tty) err.println();
                StringBuilder at = new StringBuilder();
                for (String n : cs.nodes()) at.append(at.length() == 0 ? "" : ", ").append(n).append(' ').append(where.get(n));
                ctx().out().println("Computeset " + cs.id() + " answers ssh: " + at);
                return 0;
            }
            if (System.nanoTime() > deadline) {
                if (tty) err.println();
                java.util.List<String> silent = new java.util.ArrayList<>(cs.nodes());
                silent.removeAll(answered);
                throw new CmsException("computeset " + cs.id() + ": " + Hostlist.compress(silent) + " did not answer ssh within "
                        + Walltime.format(timeout) + " (the set goes on; see 'comet console " + cs.cluster() + " " + silent.get(0) + "')");
            }
            Thread.sleep(100);
        }
    }

    /** Threads that probe the nodes' ssh ports in parallel (daemons: they never keep the shell alive). */
    private static final java.util.concurrent.ExecutorService PROBES = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "comet-ssh-probe");
        t.setDaemon(true);
        return t;
    });

    static String bar(int done, int total) {
        int width = 20;
        int fill = total == 0 ? width : done * width / total;
        return "[" + "#".repeat(fill) + "-".repeat(width - fill) + "]";
    }
}
