package org.cloudmesh.cms.api.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;

/**
 * The Slurm stack as cms writes it into a virtual cluster's VMs, for the cluster plugin ({@code cluster … --stack
 * slurm}) and for comet VCs ({@code comet cluster setup VC --stack slurm}): {@code slurm.conf} and
 * {@code cgroup.conf}, the hosts file, the private network's boot script, the daemons' service script, the one
 * install script that puts them in place with the cluster's munge key, and the reading of Slurm's node states. Every
 * value in these files is a name, address or MAC that cms validated or made.
 */
public final class Slurm {
    public static final String NAME = "slurm";
    /** The stacks cms knows. */
    public static final List<String> KNOWN = List.of(NAME);
    /** The munge key's size: munged wants at least 32 bytes; 1024 is what its own key tool makes. */
    public static final int KEY_BYTES = 1024;
    /** Slurm node states of a node that takes jobs. */
    private static final List<String> READY = List.of("idle", "mixed", "allocated", "completing");
    private static final String ROLE_FILE = "/etc/cms-guest/stack.role";

    private Slurm() {
    }

    public static void requireKnown(String stack) {
        if (!KNOWN.contains(stack)) {
            throw new CmsException("unknown stack '" + stack + "': the known stacks are " + String.join(", ", KNOWN));
        }
    }

    /** A compute node's line in slurm.conf: its private address, CPUs and the VM's memory in MiB. */
    public record NodeLine(String name, String address, int cpus, int memoryMib) {
    }

    /**
     * slurm.conf for a cluster whose controller is {@code controller} at {@code controllerIp}. {@code state}: UNKNOWN
     * for nodes that take part from the start, FUTURE for nodes that are defined but hidden until their slurmd
     * registers (a comet VC's nodes, which come and go with computesets).
     */
    public static String conf(String header, String cluster, String controller, String controllerIp, List<NodeLine> nodes, String state) {
        StringBuilder b = new StringBuilder("# ").append(header).append('\n');
        b.append("ClusterName=").append(cluster.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_")).append('\n');
        b.append("SlurmctldHost=").append(controller).append('(').append(controllerIp).append(")\n");
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
        for (NodeLine n : nodes) {
            // the kernel keeps part of the VM's memory: Slurm drains a node that reports less than it is said to have
            int mem = Math.max(1, n.memoryMib() * 6 / 10);
            b.append("NodeName=").append(n.name()).append(" NodeAddr=").append(n.address()).append(" CPUs=")
                    .append(Math.max(1, n.cpus())).append(" RealMemory=").append(mem).append(" State=").append(state).append('\n');
        }
        b.append("PartitionName=cms Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n");
        return b.toString();
    }

    /** The hosts file lines: name (and aliases) at address, each marked so that the network script can replace them. */
    public static String hosts(Map<String, String> namesByAddress) {
        StringBuilder b = new StringBuilder();
        namesByAddress.forEach((ip, names) -> b.append(ip).append('\t').append(names).append(" # cms\n"));
        return b.toString();
    }

    /**
     * Run at every boot: the controller bridges its links (found by their MACs {@code bridgeMacs}) into {@code cmsbr0}
     * at {@code bridgeIp}, a node puts its address on its link (found by its MAC in {@code nodes}: MAC → address), and
     * /etc/hosts gets the cluster's lines (the VM's own name at its private address, not 127.0.1.1).
     */
    public static String lanScript(String title, List<String> bridgeMacs, String bridgeIp, int prefix, Map<String, String> nodes) {
        StringBuilder s = new StringBuilder("#!/bin/sh\n# written by cms: " + title + "'s private network and hosts, at every boot\n"
                + "[ \"$1\" = stop ] && exit 0\n");
        // the interface with a MAC (never the bridge, which takes its first port's MAC), read with the shell alone
        s.append("dev() { for d in /sys/class/net/*; do [ -d \"$d/bridge\" ] && continue; read -r a <\"$d/address\" || continue;"
                + " [ \"$a\" = \"$1\" ] && { echo \"${d##*/}\"; return 0; }; done; return 1; }\n");
        if (!bridgeMacs.isEmpty()) {
            s.append("if dev ").append(bridgeMacs.get(0)).append(" >/dev/null; then\n");
            s.append("  ip link show cmsbr0 >/dev/null 2>&1 || ip link add cmsbr0 type bridge\n");
            s.append("  for m in");
            for (String m : bridgeMacs) s.append(' ').append(m);
            s.append("; do d=$(dev \"$m\") && [ ! -e \"/sys/class/net/$d/master\" ] && ip link set \"$d\" master cmsbr0 up; done\n");
            s.append("  ip addr replace ").append(bridgeIp).append('/').append(prefix).append(" dev cmsbr0\n  ip link set cmsbr0 up\nfi\n");
        }
        nodes.forEach((mac, ip) -> s.append("if d=$(dev ").append(mac).append("); then ip addr replace ").append(ip).append('/')
                .append(prefix).append(" dev \"$d\"; ip link set \"$d\" up; fi\n"));
        s.append("{ grep -v ' # cms$' /etc/hosts | grep -v '^127\\.0\\.1\\.1'; cat /etc/cms-guest/hosts; } >/etc/hosts.cms && mv -f /etc/hosts.cms /etc/hosts\n");
        return s.toString();
    }

    /** What the install script writes besides the munge key. */
    public record Files(String slurmConf, String hosts, String lanScript) {
    }

    /**
     * The shell script that installs the stack in a VM. {@code key}: the munge key written into the script (a script
     * that travels in a VM's seed), or null to read it from standard input (a script run over ssh). {@code role}:
     * controller or compute, or null for the VM that holds {@code controllerIp} (once the network script ran) to be
     * the controller. {@code leaves}: a compute node leaves Slurm (down, then FUTURE) when it stops. {@code restart}:
     * the daemons are restarted at the end (else the image's boot hooks start them).
     */
    public static String installScript(Files f, byte[] key, String role, String controllerIp, boolean leaves, boolean restart) {
        Map<String, String[]> files = new LinkedHashMap<>();
        files.put("/etc/slurm/slurm.conf", new String[] {f.slurmConf(), "644"});
        files.put("/etc/slurm/cgroup.conf", new String[] {"# written by cms\nCgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\n", "644"});
        files.put("/etc/cms-guest/hosts", new String[] {f.hosts(), "644"});
        files.put("/etc/cms-guest/rc.d/10-lan", new String[] {f.lanScript(), "755"});
        files.put("/etc/cms-guest/rc.d/50-slurm", new String[] {resource("slurm-service.sh"), "755"});
        StringBuilder s = new StringBuilder("set -e\numask 022\nmkdir -p /etc/slurm /etc/munge /etc/cms-guest/rc.d\n");
        // few processes a file: each one costs tens of milliseconds in a guest under TCG
        s.append("w() { printf %s \"$3\" | base64 -d >\"$1.cms$$\"; chmod \"$2\" \"$1.cms$$\"; mv -f \"$1.cms$$\" \"$1\"; }\n");
        for (var e : files.entrySet()) {
            s.append("w ").append(e.getKey()).append(' ').append(e.getValue()[1]).append(' ').append(b64(e.getValue()[0])).append('\n');
        }
        s.append("t=$(mktemp /etc/munge/munge.key.XXXXXX)\n");
        if (key != null) {
            if (key.length != KEY_BYTES) throw new IllegalArgumentException("a munge key of " + KEY_BYTES + " bytes");
            s.append("printf %s ").append(Base64.getEncoder().encodeToString(key)).append(" | base64 -d >\"$t\"\n");
        } else {
            // read by its size, not to the end: an end-of-file through ssh to a small guest's dropbear was seen to get lost
            s.append("head -c ").append(KEY_BYTES).append(" >\"$t\"\n");
        }
        s.append("[ \"$(wc -c <\"$t\")\" -eq ").append(KEY_BYTES)
                .append(" ] || { rm -f \"$t\"; echo 'the munge key did not arrive whole' >&2; exit 1; }\n");
        s.append("chown munge:munge \"$t\"; chmod 400 \"$t\"; mv -f \"$t\" /etc/munge/munge.key\n");
        s.append("/etc/cms-guest/rc.d/10-lan start\n");
        if (role == null) {
            s.append("if ip -o -4 addr show | grep -q ' ").append(controllerIp).append("/'; then r=controller; else r=compute; fi\n");
        } else {
            s.append("r=").append(role.equals("controller") ? "controller" : "compute").append('\n');
        }
        s.append("echo $r >").append(ROLE_FILE).append('\n');
        s.append(leaves ? "touch /etc/cms-guest/stack.leave\n" : "rm -f /etc/cms-guest/stack.leave\n");
        if (restart) s.append("echo \"cms-restart $(date +%s)\"\n/etc/cms-guest/rc.d/50-slurm restart\n");
        return s.toString();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A cluster's munge key: {@link #KEY_BYTES} random bytes, made once, 0600 at {@code key}. */
    public static Path mungeKey(Path key, String cluster) {
        try {
            if (java.nio.file.Files.isRegularFile(key) && java.nio.file.Files.size(key) == KEY_BYTES) return key;
        } catch (IOException e) {
            // made again below
        }
        try {
            java.nio.file.Files.createDirectories(key.getParent());
            byte[] bytes = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(bytes);
            Path tmp = java.nio.file.Files.createTempFile(key.getParent(), "munge.key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            java.nio.file.Files.write(tmp, bytes);
            java.nio.file.Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return key;
        } catch (IOException e) {
            throw new CmsException("cannot make the munge key of cluster '" + cluster + "' at " + key + ": " + e.getMessage());
        }
    }

    /**
     * A node as Slurm on the controller sees it: its state (lower case, e.g. {@code idle}, {@code down+not_responding})
     * and when its slurmd last registered (by the node's clock, seconds since the epoch; 0 when never). A restarted
     * slurmctld keeps the nodes' old states until they time out, so a state alone does not say that a new slurmd came.
     */
    public record NodeState(String state, long registered) {
        public boolean ready() {
            return READY.stream().anyMatch(state::startsWith) && !state.contains("not_responding") && !state.contains("drain");
        }

        public boolean readySince(long restarted) {
            return registered >= restarted && ready();
        }
    }

    /** The command whose output {@link #nodes} reads. */
    public static final String SHOW_NODES = "scontrol -o show node 2>/dev/null";

    /** Every node in the output of {@link #SHOW_NODES} (FUTURE nodes are not in it). */
    public static Map<String, NodeState> nodes(String scontrolOutput) {
        Map<String, NodeState> out = new TreeMap<>();
        for (String line : scontrolOutput.split("\n")) {
            Map<String, String> f = new LinkedHashMap<>();
            for (String w : line.strip().split("\\s+")) {
                int eq = w.indexOf('=');
                if (eq > 0) f.putIfAbsent(w.substring(0, eq), w.substring(eq + 1));
            }
            if (f.get("NodeName") == null) continue;
            long started = 0;
            try {
                started = LocalDateTime.parse(f.getOrDefault("SlurmdStartTime", "None")).toEpochSecond(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                // None: never registered
            }
            out.put(f.get("NodeName"), new NodeState(f.getOrDefault("State", "unknown").toLowerCase(Locale.ROOT), started));
        }
        return out;
    }

    /** "idle x-[1-2]; down* x-3": the nodes grouped by state. */
    public static String summary(Map<String, String> states) {
        Map<String, List<String>> by = new TreeMap<>();
        states.forEach((n, s) -> by.computeIfAbsent(s, k -> new ArrayList<>()).add(n));
        List<String> parts = new ArrayList<>();
        by.forEach((s, ns) -> parts.add(s + " " + Hostlist.compress(ns)));
        return String.join("; ", parts);
    }

    private static String resource(String name) {
        try (InputStream in = Slurm.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " missing from cms-api");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
