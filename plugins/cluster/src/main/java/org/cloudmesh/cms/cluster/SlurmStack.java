package org.cloudmesh.cms.cluster;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.stack.Slurm;
import org.cloudmesh.cms.api.util.Hostlist;

/**
 * The Slurm stack of a cluster ({@code --stack slurm}): the manager runs slurmctld, every node slurmd. cms writes
 * {@code slurm.conf} from the cluster's record (node names, addresses, CPUs, memory), the hosts file and the private
 * network's set-up, gives every VM the cluster's own munge key (made here, 0600, never on the command line), starts
 * the daemons and waits until Slurm on the manager shows every node ready. Run again after nodes come or go: the
 * configuration is written anew everywhere and the daemons restart, so added nodes appear in {@code sinfo} and
 * removed ones leave it. Everything is written through the manager ({@link Remote}); the values in the scripts are
 * validated names, addresses and MACs made by cms.
 */
final class SlurmStack {
    private final Cluster cluster;
    private final Path dir;
    private final PrintWriter progress;

    /** {@code dir}: the cluster's local directory (its keys); {@code progress}: where waiting is reported. */
    SlurmStack(Cluster cluster, Path dir, PrintWriter progress) {
        this.cluster = cluster;
        this.dir = dir;
        this.progress = progress;
    }

    /** The running members that take part, the manager first. */
    private List<Member> running() {
        List<Member> out = new ArrayList<>();
        cluster.manager().filter(m -> Node.RUNNING.equals(m.state())).ifPresent(out::add);
        cluster.nodes().stream().filter(m -> Node.RUNNING.equals(m.state()) && cluster.privateAddress(m) != null).forEach(out::add);
        return out;
    }

    /**
     * Checks that every VM has Slurm and munge (nothing is written when one lacks them), writes the configuration,
     * restarts the daemons (the manager's first) and waits up to {@code timeout} until every running node is ready.
     */
    void apply(Remote r, Duration timeout) {
        List<Member> members = running();
        String manager = cluster.manager().map(Member::name).orElseThrow();
        if (members.isEmpty() || !members.get(0).manager()) {
            throw new CmsException("cluster '" + cluster.name() + "': the manager is not running: start it with 'cluster start " + cluster.name() + "'");
        }
        List<String> names = members.stream().map(Member::name).toList();
        List<String> nodes = names.subList(1, names.size());
        requireSlurm(r, names);
        // the manager and the nodes at once: a slurmd that starts before slurmctld retries within a second or two
        Map<String, Long> restarted = configure(r, names, Slurm.mungeKey(dir.resolve("munge.key"), cluster.name()));
        restarted.remove(manager);
        awaitReady(r, restarted, timeout);
    }

    /** The VMs whose image lacks a Slurm or munge program, named before anything is written. */
    private void requireSlurm(Remote r, List<String> names) {
        String check = "PATH=$PATH:/usr/sbin:/sbin; m=''; for p in munged slurmctld slurmd sinfo; do"
                + " command -v $p >/dev/null 2>&1 || m=\"$m $p\"; done; [ -z \"$m\" ] || { echo \"missing:$m\" >&2; exit 3; }";
        List<String> lacking = Remote.failures(r.fanOut(names, check, null, Duration.ofSeconds(60)));
        if (!lacking.isEmpty()) {
            throw new CmsException("cluster '" + cluster.name() + "': image '" + cluster.image() + "' has no Slurm: "
                    + String.join("; ", lacking) + "; nothing was configured (use an image with slurm-wlm and munge,"
                    + " such as image 'slurm' of the testbed's cloud local)");
        }
    }

    /**
     * Writes the configuration on {@code names} in the given role, with the munge key on standard input, and restarts
     * the daemons; returns when each VM restarted them, by its own clock (seconds since the epoch).
     */
    private Map<String, Long> configure(Remote r, List<String> names, Path key) {
        String script = script();
        String command = "root".equals(cluster.user()) ? script : "sudo -n sh -c " + ShellQuote.quote(script);
        Map<String, Remote.Result> results = r.fanOut(names, command, r.stage(key), Duration.ofSeconds(120));
        List<String> failed = Remote.failures(results);
        if (!failed.isEmpty()) {
            throw new CmsException("cluster '" + cluster.name() + "': Slurm not set up on " + String.join("; ", failed));
        }
        Map<String, Long> restarted = new LinkedHashMap<>();
        for (Remote.Result x : results.values()) {
            long at = x.out().lines().filter(l -> l.startsWith("cms-restart ")).mapToLong(l -> Long.parseLong(l.substring(12).strip()))
                    .findFirst().orElse(0L);
            restarted.put(x.node(), at);
        }
        return restarted;
    }

    /**
     * The shell script that installs every file and restarts the daemons; its standard input is the munge key. The VM
     * that holds the manager's private address (once the network script ran) is the controller, the others compute.
     */
    String script() {
        String managerIp = cluster.privateAddress(cluster.manager().orElseThrow());
        return Slurm.installScript(new Slurm.Files(slurmConf(), hosts(), lanScript()), null, null, managerIp, false, true);
    }

    String slurmConf() {
        Member m = cluster.manager().orElseThrow();
        List<Slurm.NodeLine> nodes = new ArrayList<>();
        for (Member n : running()) {
            if (n.manager()) continue;
            nodes.add(new Slurm.NodeLine(n.name(), cluster.privateAddress(n), n.ncpu() == null ? 1 : n.ncpu(),
                    n.ramMib() == null ? 1 : n.ramMib()));
        }
        return Slurm.conf("written by cms for cluster " + cluster.name() + " ('cluster setup " + cluster.name() + "' writes it again)",
                cluster.name(), m.name(), cluster.privateAddress(m), nodes, "UNKNOWN");
    }

    /** The cluster's names at their private addresses, each line marked so that the network script can replace them. */
    String hosts() {
        Map<String, String> names = new LinkedHashMap<>();
        for (Member m : cluster.members()) {
            String ip = cluster.privateAddress(m);
            if (ip != null) names.put(ip, m.name() + (m.manager() ? " manager" : ""));
        }
        return Slurm.hosts(names);
    }

    /**
     * Run at every boot: the manager bridges its links to the nodes, a node puts its address on its link (each found
     * by its MAC), and /etc/hosts gets the cluster's lines (the VM's own name at its private address, not 127.0.1.1).
     */
    String lanScript() {
        Lan lan = cluster.lan();
        List<String> bridge = new ArrayList<>();
        Map<String, String> nodes = new LinkedHashMap<>();
        if (lan != null) {
            for (Lan.Slot x : lan.slots()) {
                bridge.add(x.managerMac());
                if (x.node() != null) nodes.put(x.nodeMac(), lan.ip(x));
            }
        }
        return Slurm.lanScript("cluster " + cluster.name(), bridge, lan == null ? null : lan.managerIp(), 24, nodes);
    }

    /** Every node of Slurm on the manager (empty when Slurm does not answer). */
    static Map<String, Slurm.NodeState> states(Remote r) {
        ExecResult x = r.exec(Slurm.SHOW_NODES, Duration.ofSeconds(20));
        return x.ok() ? Slurm.nodes(x.stdout()) : Map.of();
    }

    /** Waits until every node's slurmd registered after its restart ({@code restarted}) and the node is ready. */
    private void awaitReady(Remote r, Map<String, Long> restarted, Duration timeout) {
        long start = System.nanoTime();
        long note = 10;
        List<String> nodes = List.copyOf(restarted.keySet());
        List<String> pending = nodes;
        Map<String, String> states = Map.of();
        while (true) {
            Map<String, Slurm.NodeState> regs = states(r);
            Map<String, String> now = new TreeMap<>();
            regs.forEach((n, e) -> now.put(n, e.state()));
            states = now;
            pending = nodes.stream().filter(n -> !(regs.containsKey(n) && regs.get(n).readySince(restarted.get(n)))).toList();
            if (pending.isEmpty()) return;
            long waited = (System.nanoTime() - start) / 1_000_000_000L;
            if (waited >= timeout.toSeconds()) break;
            if (waited >= note) {
                progress.println("cluster " + cluster.name() + ": waiting for Slurm on " + Hostlist.compress(pending) + " (" + waited + " s)");
                progress.flush();
                note = waited + 10;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for Slurm on cluster '" + cluster.name() + "'");
            }
        }
        throw new CmsException("cluster '" + cluster.name() + "': " + Hostlist.compress(pending) + " did not register with Slurm within "
                + timeout.toSeconds() + " s (" + Slurm.summary(subset(states, pending)) + "): " + diagnose(r, pending));
    }

    private static Map<String, String> subset(Map<String, String> states, List<String> nodes) {
        Map<String, String> out = new TreeMap<>();
        for (String n : nodes) out.put(n, states.getOrDefault(n, "absent"));
        return out;
    }

    /** Why nodes do not register: a munge key that differs from the manager's, else the tail of each one's slurmd log. */
    private String diagnose(Remote r, List<String> pending) {
        String manager = cluster.manager().map(Member::name).orElseThrow();
        List<String> all = new ArrayList<>(List.of(manager));
        all.addAll(pending);
        String hash = "sum=$(sha256sum /etc/munge/munge.key 2>/dev/null || sudo -n sha256sum /etc/munge/munge.key); echo \"${sum%% *}\"";
        Map<String, Remote.Result> sums = r.fanOut(all, hash, null, Duration.ofSeconds(30));
        String mine = sums.get(manager).out().strip();
        List<String> mismatch = pending.stream().filter(n -> sums.get(n).status() == 0 && !sums.get(n).out().strip().equals(mine)).toList();
        if (!mismatch.isEmpty()) {
            return "munge key mismatch: the key of " + Hostlist.compress(mismatch) + " is not the manager's (run 'cluster setup "
                    + cluster.name() + " --stack slurm' to give every VM the cluster's key)";
        }
        List<String> tails = new ArrayList<>();
        for (Remote.Result x : r.fanOut(pending, "tail -n 3 /var/log/slurm/slurmd.log 2>&1 || sudo -n tail -n 3 /var/log/slurm/slurmd.log",
                null, Duration.ofSeconds(30)).values()) {
            tails.add(x.node() + ": " + (x.unreachable() ? "unreachable" : x.out().strip().replace("\n", " | ")));
        }
        return "slurmd log: " + String.join("; ", tails);
    }
}
