package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.ShellQuote;
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
    static final String NAME = "slurm";
    /** The stacks cms knows. */
    static final List<String> KNOWN = List.of(NAME);
    /** Slurm node states of a node that takes jobs. */
    private static final List<String> READY = List.of("idle", "mixed", "allocated", "completing");
    private static final String ROLE_FILE = "/etc/cms-guest/stack.role";
    /** The munge key's size: munged wants at least 32 bytes; 1024 is what its own key tool makes. */
    private static final int KEY_BYTES = 1024;

    private final Cluster cluster;
    private final Path dir;
    private final PrintWriter progress;

    /** {@code dir}: the cluster's local directory (its keys); {@code progress}: where waiting is reported. */
    SlurmStack(Cluster cluster, Path dir, PrintWriter progress) {
        this.cluster = cluster;
        this.dir = dir;
        this.progress = progress;
    }

    static void requireKnown(String stack) {
        if (!KNOWN.contains(stack)) {
            throw new CmsException("unknown stack '" + stack + "': the known stacks are " + String.join(", ", KNOWN));
        }
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
        Map<String, Long> restarted = configure(r, names, mungeKey());
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
        Map<String, String[]> files = new LinkedHashMap<>();
        files.put("/etc/slurm/slurm.conf", new String[] {slurmConf(), "644"});
        files.put("/etc/slurm/cgroup.conf", new String[] {"# written by cms\nCgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\n", "644"});
        files.put("/etc/cms-guest/hosts", new String[] {hosts(), "644"});
        files.put("/etc/cms-guest/rc.d/10-lan", new String[] {lanScript(), "755"});
        files.put("/etc/cms-guest/rc.d/50-slurm", new String[] {resource("slurm-service.sh"), "755"});
        StringBuilder s = new StringBuilder("set -e\numask 022\nmkdir -p /etc/slurm /etc/munge /etc/cms-guest/rc.d\n");
        // few processes a file: each one costs tens of milliseconds in a guest under TCG
        s.append("w() { printf %s \"$3\" | base64 -d >\"$1.cms$$\"; chmod \"$2\" \"$1.cms$$\"; mv -f \"$1.cms$$\" \"$1\"; }\n");
        for (var f : files.entrySet()) {
            s.append("w ").append(f.getKey()).append(' ').append(f.getValue()[1]).append(' ')
                    .append(Base64.getEncoder().encodeToString(f.getValue()[0].getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        // read by its size, not to the end: an end-of-file through ssh to a small guest's dropbear was seen to get lost
        s.append("t=$(mktemp /etc/munge/munge.key.XXXXXX); head -c ").append(KEY_BYTES).append(" >\"$t\"; [ \"$(wc -c <\"$t\")\" -eq ")
                .append(KEY_BYTES).append(" ] || { rm -f \"$t\"; echo 'the munge key did not arrive whole' >&2; exit 1; }\n");
        s.append("chown munge:munge \"$t\"; chmod 400 \"$t\"; mv -f \"$t\" /etc/munge/munge.key\n");
        String managerIp = cluster.privateAddress(cluster.manager().orElseThrow());
        s.append("/etc/cms-guest/rc.d/10-lan start\n");
        s.append("if ip -o -4 addr show | grep -q ' ").append(managerIp).append("/'; then r=controller; else r=compute; fi\n");
        s.append("echo $r >").append(ROLE_FILE).append('\n');
        s.append("echo \"cms-restart $(date +%s)\"\n/etc/cms-guest/rc.d/50-slurm restart\n");
        return s.toString();
    }

    String slurmConf() {
        StringBuilder b = new StringBuilder("# written by cms for cluster " + cluster.name() + " ('cluster setup " + cluster.name()
                + "' writes it again)\n");
        Member m = cluster.manager().orElseThrow();
        b.append("ClusterName=").append(cluster.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_")).append('\n');
        b.append("SlurmctldHost=").append(m.name()).append('(').append(cluster.privateAddress(m)).append(")\n");
        b.append("""
                AuthType=auth/munge
                CryptoType=crypto/munge
                SlurmUser=slurm
                SlurmctldPidFile=/run/slurm/slurmctld.pid
                SlurmdPidFile=/run/slurm/slurmd.pid
                SlurmdSpoolDir=/var/lib/slurm/slurmd
                StateSaveLocation=/var/lib/slurm/slurmctld
                SlurmctldLogFile=/var/log/slurm/slurmctld.log
                SlurmdLogFile=/var/log/slurm/slurmd.log
                ProctrackType=proctrack/linuxproc
                TaskPlugin=task/none
                MpiDefault=none
                ReturnToService=2
                SchedulerType=sched/builtin
                SelectType=select/cons_tres
                SelectTypeParameters=CR_Core
                AccountingStorageType=accounting_storage/none
                JobAcctGatherType=jobacct_gather/none
                JobCompType=jobcomp/none
                SlurmdTimeout=60
                MessageTimeout=30
                """);
        for (Member n : running()) {
            if (n.manager()) continue;
            // the kernel keeps part of the VM's memory: Slurm drains a node that reports less than it is said to have
            int mem = n.ramMib() == null ? 1 : Math.max(1, n.ramMib() * 6 / 10);
            b.append("NodeName=").append(n.name()).append(" NodeAddr=").append(cluster.privateAddress(n))
                    .append(" CPUs=").append(n.ncpu() == null ? 1 : n.ncpu()).append(" RealMemory=").append(mem)
                    .append(" State=UNKNOWN\n");
        }
        b.append("PartitionName=cms Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n");
        return b.toString();
    }

    /** The cluster's names at their private addresses, each line marked so that the network script can replace them. */
    String hosts() {
        StringBuilder b = new StringBuilder();
        for (Member m : cluster.members()) {
            String ip = cluster.privateAddress(m);
            if (ip != null) b.append(ip).append('\t').append(m.name()).append(m.manager() ? " manager" : "").append(" # cms\n");
        }
        return b.toString();
    }

    /**
     * Run at every boot: the manager bridges its links to the nodes, a node puts its address on its link (each found
     * by its MAC), and /etc/hosts gets the cluster's lines (the VM's own name at its private address, not 127.0.1.1).
     */
    String lanScript() {
        StringBuilder s = new StringBuilder("#!/bin/sh\n# written by cms: cluster " + cluster.name()
                + "'s private network and hosts, at every boot\n[ \"$1\" = stop ] && exit 0\n");
        // the interface with a MAC (never the bridge, which takes its first port's MAC), read with the shell alone
        s.append("dev() { for d in /sys/class/net/*; do [ -d \"$d/bridge\" ] && continue; read -r a <\"$d/address\" || continue;"
                + " [ \"$a\" = \"$1\" ] && { echo \"${d##*/}\"; return 0; }; done; return 1; }\n");
        Lan lan = cluster.lan();
        if (lan != null && !lan.slots().isEmpty()) {
            s.append("if dev ").append(lan.slots().get(0).managerMac()).append(" >/dev/null; then\n");
            s.append("  ip link show cmsbr0 >/dev/null 2>&1 || ip link add cmsbr0 type bridge\n");
            s.append("  for m in");
            for (Lan.Slot x : lan.slots()) s.append(' ').append(x.managerMac());
            s.append("; do d=$(dev \"$m\") && [ ! -e \"/sys/class/net/$d/master\" ] && ip link set \"$d\" master cmsbr0 up; done\n");
            s.append("  ip addr replace ").append(lan.managerIp()).append("/24 dev cmsbr0\n  ip link set cmsbr0 up\nfi\n");
            for (Lan.Slot x : lan.slots()) {
                if (x.node() == null) continue;
                s.append("if d=$(dev ").append(x.nodeMac()).append("); then ip addr replace ").append(lan.ip(x))
                        .append("/24 dev \"$d\"; ip link set \"$d\" up; fi\n");
            }
        }
        s.append("{ grep -v ' # cms$' /etc/hosts | grep -v '^127\\.0\\.1\\.1'; cat /etc/cms-guest/hosts; } >/etc/hosts.cms && mv -f /etc/hosts.cms /etc/hosts\n");
        return s.toString();
    }

    /** "idle x-[1-2]; down* x-3": the nodes grouped by state. */
    static String summary(Map<String, String> states) {
        Map<String, List<String>> by = new TreeMap<>();
        states.forEach((n, s) -> by.computeIfAbsent(s, k -> new ArrayList<>()).add(n));
        List<String> parts = new ArrayList<>();
        by.forEach((s, ns) -> parts.add(s + " " + Hostlist.compress(ns)));
        return String.join("; ", parts);
    }

    /**
     * A node as Slurm on the manager sees it: its state (lower case, e.g. {@code idle}, {@code down+not_responding})
     * and when its slurmd last registered (by the node's clock, seconds since the epoch; 0 when never). A restarted
     * slurmctld keeps the nodes' old states until they time out, so a state alone does not say that a new slurmd came.
     */
    record NodeState(String state, long registered) {
        boolean readySince(long restarted) {
            return registered >= restarted && READY.stream().anyMatch(state::startsWith)
                    && !state.contains("not_responding") && !state.contains("drain");
        }
    }

    /** Every node of Slurm on the manager, from {@code scontrol show node} (empty when Slurm does not answer). */
    static Map<String, NodeState> states(Remote r) {
        Map<String, NodeState> out = new TreeMap<>();
        ExecResult x = r.exec("scontrol -o show node 2>/dev/null", Duration.ofSeconds(20));
        if (!x.ok()) return out;
        for (String line : x.stdout().split("\n")) {
            Map<String, String> f = new LinkedHashMap<>();
            for (String w : line.strip().split("\\s+")) {
                int eq = w.indexOf('=');
                if (eq > 0) f.putIfAbsent(w.substring(0, eq), w.substring(eq + 1));
            }
            if (f.get("NodeName") == null) continue;
            long started = 0;
            try {
                started = java.time.LocalDateTime.parse(f.getOrDefault("SlurmdStartTime", "None")).toEpochSecond(java.time.ZoneOffset.UTC);
            } catch (java.time.format.DateTimeParseException e) {
                // None: never registered
            }
            out.put(f.get("NodeName"), new NodeState(f.getOrDefault("State", "unknown").toLowerCase(Locale.ROOT), started));
        }
        return out;
    }

    /** Waits until every node's slurmd registered after its restart ({@code restarted}) and the node is ready. */
    private void awaitReady(Remote r, Map<String, Long> restarted, Duration timeout) {
        long start = System.nanoTime();
        long note = 10;
        List<String> nodes = List.copyOf(restarted.keySet());
        List<String> pending = nodes;
        Map<String, String> states = Map.of();
        while (true) {
            Map<String, NodeState> regs = states(r);
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
                + timeout.toSeconds() + " s (" + summary(subset(states, pending)) + "): " + diagnose(r, pending));
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

    /** The cluster's munge key: 1024 random bytes, made once, 0600 in the cluster's directory. */
    private Path mungeKey() {
        Path key = dir.resolve("munge.key");
        try {
            if (Files.isRegularFile(key) && Files.size(key) == KEY_BYTES) return key;
        } catch (IOException e) {
            // made again below
        }
        try {
            Files.createDirectories(dir);
            byte[] bytes = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(bytes);
            Path tmp = Files.createTempFile(dir, "munge.key", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, bytes);
            Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return key;
        } catch (IOException e) {
            throw new CmsException("cannot make the munge key of cluster '" + cluster.name() + "' in " + dir + ": " + e.getMessage());
        }
    }

    private static String resource(String name) {
        try (InputStream in = SlurmStack.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " missing from the cluster plugin");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
