package org.cloudmesh.cms.comet.cmd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet cluster [--concise|--status] [CLUSTER] [--sort KEY]}, and create / delete. */
@Command(name = "cluster", description = "Show clusters and their nodes; create, set up or delete a cluster.",
        subcommands = {ClusterCommand.Create.class, ClusterCommand.Setup.class, ClusterCommand.Delete.class})
final class ClusterCommand extends CometCommand.Sub {
    static final List<String> FULL = List.of("name", "state", "computeset", "allocation", "admin_state", "mac", "ip",
            "cluster", "kind", "type", "cpus", "RAM(M)", "disk(G)", "host", "vf");
    static final List<String> SORT_KEYS = List.of("name", "state", "kind", "type", "mac", "ip", "cpus", "cluster", "ram",
            "disk", "computeset", "allocation", "admin_state", "host");

    @ParentCommand
    CometCommand parent;
    @Mixin
    OutputOption output;
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "Only this cluster (default: all of the endpoint).")
    String cluster;

    static final class View {
        @Option(names = "--concise", description = "Fewer columns") boolean concise;
        @Option(names = "--status", description = "Only name, state, computeset, allocation, admin_state") boolean status;
    }

    @ArgGroup(exclusive = true)
    View view = new View();

    @Option(names = "--sort", paramLabel = "KEY", description = "Sort nodes by: ${COMPLETION-CANDIDATES}",
            completionCandidates = SortKeys.class)
    String sort;

    static final class SortKeys extends ArrayList<String> {
        SortKeys() {
            super(SORT_KEYS);
        }
    }

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        if (sort != null && !SORT_KEYS.contains(sort)) {
            throw new CmsException("unknown sort key '" + sort + "': use one of " + String.join(", ", SORT_KEYS));
        }
        CometService s = svc();
        s.refresh(ctx().err());
        List<Cluster> clusters = cluster != null ? List.of(s.cluster(cluster)) : s.clusters();
        Map<Long, Computeset> sets = Views.byId(s.computesets(cluster, ComputesetCommand.active(), null));
        Format f = ctx().format(output.format);
        List<String> cols = view.status ? FULL.subList(0, 5) : view.concise ? FULL.subList(0, 8) : FULL;
        List<Map<String, Object>> all = new ArrayList<>();
        for (Cluster c : clusters) {
            List<Map<String, Object>> rows = new ArrayList<>();
            Node fe = null;
            for (Node n : s.nodes(c.name())) {
                if (n.frontend()) fe = n;
                rows.add(Views.node(n, sets, f.toString()));
            }
            rows.sort(comparator());
            if (f == Format.TABLE) {
                ctx().out().println(header(c, fe));
                ctx().printer(f).list(cols, rows);
            } else {
                all.addAll(rows);
            }
        }
        if (f != Format.TABLE) ctx().printer(f).list(cols, all);
        return 0;
    }

    /**
     * {@code Cluster: vc1  Frontend: vc1  IP: 10.0.0.1  State: stopped (comet power on vc1 starts it)}: the frontend's
     * public IP where it has one, else its private one (the one the table shows), and its power state.
     */
    static String header(Cluster c, Node fe) {
        if (fe == null) return "Cluster: " + c.name() + "\tFrontend: (none)";
        String ip = fe.pubIp() != null ? fe.pubIp() : fe.ip() == null ? "" : fe.ip();
        String state = fe.state() == null ? "unknown" : fe.state();
        String hint = "stopped".equals(state) ? " (comet power on " + c.name() + " starts it)" : "";
        return "Cluster: " + c.name() + "\tFrontend: " + fe.name() + "\tIP: " + ip + "\tState: " + state + hint
                + (c.stack() == null ? "" : "\tStack: " + c.stack());
    }

    private Comparator<Map<String, Object>> comparator() {
        String key = sort == null ? null : switch (sort) {
            case "ram" -> "RAM(M)";
            case "disk" -> "disk(G)";
            default -> sort;
        };
        Comparator<Map<String, Object>> byCluster = Comparator.comparing(r -> String.valueOf(r.get("cluster")));
        if (key == null) {
            // (cluster, kind frontend first, then by name in natural order)
            return byCluster.thenComparing(r -> "frontend".equals(r.get("kind")) ? 0 : 1)
                    .thenComparing((a, b) -> Store.natural(String.valueOf(a.get("name")), String.valueOf(b.get("name"))));
        }
        return Comparator.comparing((Map<String, Object> r) -> r.get(key) == null ? "" : r.get(key),
                (a, b) -> a instanceof Integer x && b instanceof Integer y ? Integer.compare(x, y)
                        : Store.natural(String.valueOf(a), String.valueOf(b)));
    }

    /** {@code comet cluster create NAME --computes N ...}. */
    @Command(name = "create", description = "Create a cluster: a frontend NAME and compute nodes vm-NAME-0..N-1.")
    static final class Create extends CometCommand.Sub {
        @ParentCommand
        ClusterCommand parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "The new cluster's name (also its frontend's)") String name;
        @Option(names = "--computes", required = true, paramLabel = "N", description = "Number of compute nodes") int computes;
        @Option(names = "--cpus", paramLabel = "N", description = "vCPUs per compute node (default: ${DEFAULT-VALUE})") int cpus = 2;
        @Option(names = "--memory", paramLabel = "SIZE", description = "Memory per compute node: MiB, or 4G (default: ${DEFAULT-VALUE})") String memory = "2048";
        @Option(names = "--disk", paramLabel = "GB", description = "Disk per node in GB (default: ${DEFAULT-VALUE})") String disk = "20";
        @Option(names = "--project", paramLabel = "P", description = "The project the cluster belongs to (a server shows it to that project's users)") String project;
        @Option(names = "--allocation", paramLabel = "A", split = ",", description = "Allocations (Slurm accounts) the cluster may charge; repeatable (default: the endpoint's account)")
        List<String> allocations = new ArrayList<>();
        @Option(names = "--owner", paramLabel = "U", description = "The cluster's owner, for the listings (default: none)") String owner;
        @Option(names = "--description", paramLabel = "TEXT", description = "A line about the cluster, shown by comet ll") String description;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            Names.require("cluster", name);
            int mem = size(memory, "--memory", 1024);
            int diskGb = size(disk, "--disk", 1);
            CometService s = svc();
            Cluster c = s.createCluster(new CometService.ClusterRequest(name, computes, cpus, mem, diskGb, project,
                    allocations, owner, description));
            List<String> allocs = c.allocations();
            ctx().out().println("Created cluster " + c.name() + " on endpoint " + c.endpoint() + ": frontend " + c.name()
                    + ", compute nodes vm-" + c.name() + "-" + (computes == 1 ? "0" : "[0-" + (computes - 1) + "]")
                    + (allocs.isEmpty() ? " (no allocation: add --allocation to start computesets)"
                        : ", allocations " + String.join(",", allocs)));
            return 0;
        }

        /** A size in MiB (memory, G suffix ×1024) or GB (disk, G suffix accepted). */
        static int size(String v, String option, int unitG) {
            String s = v.strip().toUpperCase(java.util.Locale.ROOT);
            long n;
            try {
                if (s.endsWith("G") || s.endsWith("GB") || s.endsWith("GIB")) {
                    n = Long.parseLong(s.replaceAll("(GIB|GB|G)$", "")) * unitG;
                } else {
                    n = Long.parseLong(s.replaceAll("(MIB|MB|M)$", ""));
                    if (unitG == 1 && !s.matches("[0-9]+")) throw new NumberFormatException();
                }
            } catch (NumberFormatException x) {
                throw new CmsException(option + " '" + v + "': give a whole number" + (unitG == 1 ? " of GB" : " of MiB, or e.g. 4G"));
            }
            if (n < 1 || n > 16L * 1024 * 1024) throw new CmsException(option + " '" + v + "': out of range");
            return (int) n;
        }
    }

    /** {@code comet cluster setup NAME --stack slurm}. */
    @Command(name = "setup", description = {
        "Give a cluster a software stack and boot its frontend as the stack's controller.",
        "With --stack slurm the frontend runs slurmctld; the nodes of each computeset boot the stack's image, start slurmd"
            + " and join the frontend's Slurm, and leave it when the computeset ends: users on the frontend see the nodes"
            + " their computesets hold. The nodes' disks are made anew from the image (libvirt.stacks.NAME of the"
            + " endpoint). Run it while nothing of the cluster runs."})
    static final class Setup extends CometCommand.Sub {
        @ParentCommand
        ClusterCommand parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "The cluster") String name;
        @Option(names = "--stack", required = true, paramLabel = "STACK", description = "The software stack: ${COMPLETION-CANDIDATES}",
                completionCandidates = Stacks.class) String stack;

        static final class Stacks extends ArrayList<String> {
            Stacks() {
                super(org.cloudmesh.cms.api.stack.Slurm.KNOWN);
            }
        }

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            Names.require("cluster", name);
            org.cloudmesh.cms.api.stack.Slurm.requireKnown(stack);
            CometService s = svc();
            Store.Stack st = s.direct().setupStack(name, stack);
            s.power(name, org.cloudmesh.cms.comet.power.PowerAction.ON, null);
            ctx().out().println("Cluster " + name + " has the " + st.name() + " stack: its frontend " + name
                    + " boots as the Slurm controller; the nodes of its computesets join it when they start"
                    + " and leave it when they stop (private network 192.168.0.0/16)");
            return 0;
        }
    }

    /** {@code comet cluster delete NAME}. */
    @Command(name = "delete", description = "Delete a cluster (refused while a computeset of it is active).")
    static final class Delete extends CometCommand.Sub {
        @ParentCommand
        ClusterCommand parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "The cluster to delete") String name;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            svc().deleteCluster(Names.require("cluster", name));
            ctx().out().println("Deleted cluster " + name);
            return 0;
        }
    }
}
