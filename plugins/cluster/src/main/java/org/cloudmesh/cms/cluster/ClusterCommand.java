package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Completion;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.api.cluster.Nic;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cluster", description = {"Virtual clusters: a manager and compute nodes on any cloud or on comet.",
        "The manager (NAME-manager) is reached with your key; the nodes (NAME-1..N)",
        "only through the manager, which holds the cluster's own key, an ssh config",
        "and a hosts file in ~/.cms/cluster/NAME. Clusters are recorded in",
        "$CLOUDMESH_HOME/cluster/clusters.yaml; comet's clusters are listed beside them."},
        footer = {"%nExamples:", "  cluster create lab --cloud aws --count 4", "  cluster run lab 'uname -r'",
                "  cluster run lab 'df -h /' --nodes lab-[1-2]", "  cluster inventory lab --format ansible > hosts.ini",
                "  cluster delete lab --yes"})
public final class ClusterCommand implements Completion {
    static final List<String> LIST_COLUMNS = List.of("name", "cloud", "project", "owner", "manager", "nodes", "state");
    static final List<String> NODE_COLUMNS = List.of("name", "role", "state", "ncpu", "ram", "disk", "ip", "mac");

    private final Context ctx;

    public ClusterCommand(Context ctx) {
        this.ctx = ctx;
    }

    Clusters clusters() {
        return new Clusters(ctx);
    }

    /** TAB in the REPL: the names of the clusters recorded here, for every NAME but that of 'create'. */
    @Override
    public List<String> candidates(String command, String paramLabel) {
        if (!paramLabel.equals("NAME") || command.endsWith(" create")) return List.of();
        try {
            return clusters().store().list().stream().map(Cluster::name).toList();
        } catch (RuntimeException e) {
            return List.of(); // a hint only: the command itself reports an unreadable store
        }
    }

    private Clusters clusters(double waitSeconds) {
        Clusters c = clusters();
        c.addressWait = seconds(waitSeconds, "--wait");
        return c;
    }

    /** Runs a state change and records it in the audit trail: who, the command, the cluster and nodes, the result. */
    private <T> T audited(String action, String cluster, String nodes, java.util.function.Supplier<T> change) {
        String result = "ok";
        try {
            return change.get();
        } catch (RuntimeException e) {
            result = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw e;
        } finally {
            ctx.audit().record(new org.cloudmesh.cms.api.audit.AuditEntry(java.time.Instant.now(), System.getProperty("user.name"),
                    "local", action, cluster, nodes, result));
        }
    }

    // ------------------------------------------------------------------------------------------------ create, list, info

    @Command(name = "create", description = {"Boot a manager and N nodes, set up ssh trust and a hosts file.",
            "The VMs boot concurrently; the cluster is recorded before the cloud is asked.",
            "CLOUD is a cloud of cloudmesh.cloud (--cloud, else variable cloud) or a comet",
            "endpoint. Image and flavor: the option, else the variable, else",
            "cloudmesh.cloud.CLOUD.default. --key is the private key file of the manager's",
            "login (PATH.pub is installed)."})
    int create(@Parameters(paramLabel = "NAME", description = "the cluster's name; the VMs are NAME-manager and NAME-1..N") String name,
               @Option(names = "--cloud", paramLabel = "CLOUD", description = "a cloud or comet endpoint (default: variable cloud)") String cloud,
               @Option(names = "--count", paramLabel = "N", required = true, description = "number of compute nodes") int count,
               @Option(names = "--image", paramLabel = "IMAGE", description = "image of every VM") String image,
               @Option(names = "--flavor", paramLabel = "FLAVOR", description = "flavor (size) of the nodes") String flavor,
               @Option(names = "--manager-flavor", paramLabel = "FLAVOR", description = "default: --flavor") String managerFlavor,
               @Option(names = "--key", paramLabel = "PATH", description = "private key of your login to the manager (default: the cloud's key, else ~/.ssh/id_ed25519 or id_rsa)") String key,
               @Option(names = "--project", paramLabel = "PROJECT", description = "who may see it through the server (default: variable project)") String project,
               @Option(names = "--owner", paramLabel = "USER", description = "recorded owner (default: the profile's user)") String owner,
               @Option(names = "--description", paramLabel = "TEXT", description = "a line about the cluster (NIST description)") String description,
               @Option(names = "--setup", negatable = true, defaultValue = "true", fallbackValue = "true",
                       description = "set up ssh trust and the hosts file (--no-setup: boot and record only)") boolean setup,
               @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
                       description = "how long setup waits for the VMs' addresses (default: ${DEFAULT-VALUE})") double wait,
               @Mixin OutputOption output) {
        String c = cloud != null && !cloud.isBlank() ? cloud.strip() : ctx.variables().get("cloud").orElse(null);
        Clusters service = clusters(wait);
        VirtualCluster vc = audited("cluster create " + name + " --cloud " + c + " --count " + count, name, null,
                () -> service.create(new Clusters.Spec(name, c, count, null, image, flavor, managerFlavor, key,
                        project, owner, description, setup)));
        printNodes(vc, output.format);
        return 0;
    }

    @Command(name = "list", description = {"List the clusters, comet's too.", "--refresh asks the clouds for the states first."})
    int list(@Option(names = "--refresh", description = "ask the clouds for the VMs' states first") boolean refresh, @Mixin OutputOption output) {
        Clusters s = clusters();
        if (refresh) {
            for (Cluster c : s.store().list()) {
                try {
                    s.info(c.name(), true);
                } catch (CmsException e) {
                    ctx.err().println("WARNING: cluster " + c.name() + ": " + e.getMessage());
                }
            }
        }
        List<Map<String, ?>> rows = new ArrayList<>();
        for (VirtualCluster vc : s.all(true)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", vc.name());
            r.put("cloud", vc.cloud());
            r.put("project", vc.project());
            r.put("owner", vc.owner());
            r.put("manager", vc.manager() == null ? null : vc.manager().name());
            r.put("nodes", vc.nodes().size());
            r.put("state", summary(vc));
            rows.add(r);
        }
        ctx.printer(output.format).list(LIST_COLUMNS, rows);
        return 0;
    }

    /** "running" when all agree, else counts such as "3 running, 1 failed". */
    static String summary(VirtualCluster vc) {
        Map<String, Integer> n = new LinkedHashMap<>();
        if (vc.manager() != null) n.merge(String.valueOf(vc.manager().state()), 1, Integer::sum);
        for (Node x : vc.nodes()) n.merge(String.valueOf(x.state()), 1, Integer::sum);
        if (n.size() == 1) return n.keySet().iterator().next();
        List<String> parts = new ArrayList<>();
        n.forEach((k, v) -> parts.add(v + " " + k));
        return String.join(", ", parts);
    }

    @Command(name = "info", description = {"Show a cluster with the NIST fields.",
            "Name, description, owner, manager and nodes with state, ncpu, ram, disk and",
            "nics (mac, ip); the states are read from the cloud first. --output json or",
            "yaml prints the NIST Virtualcluster object; table and csv one row per node."})
    int info(@Parameters(paramLabel = "NAME", description = "the cluster") String name, @Mixin OutputOption output) {
        VirtualCluster vc = clusters().info(name, true);
        Format f = ctx.format(output.format);
        if (f == Format.JSON || f == Format.YAML) {
            ctx.printer(f).attributes(nist(vc));
            return 0;
        }
        if (f == Format.TABLE) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", vc.name());
            a.put("description", vc.description());
            a.put("owner", vc.owner());
            a.put("project", vc.project());
            a.put("cloud", vc.cloud());
            a.put("manager", vc.manager() == null ? null : vc.manager().name());
            a.put("nodes", vc.nodes().isEmpty() ? "" : Hostlist.compress(vc.nodes().stream().map(Node::name).toList()));
            new ClusterStore(ctx.home()).get(name).ifPresent(c -> a.put("ssh setup", c.setup()));
            ctx.printer(f).attributes(a);
        }
        printNodes(vc, f);
        return 0;
    }

    @SuppressWarnings("unchecked")
    private void printNodes(VirtualCluster vc, Format option) {
        Printer p = ctx.printer(option);
        if (p.format() == Format.JSON || p.format() == Format.YAML) {
            p.attributes(nist(vc));
            return;
        }
        List<Map<String, ?>> rows = new ArrayList<>();
        if (vc.manager() != null) rows.add(row(vc.manager(), "manager"));
        for (Node n : vc.nodes()) rows.add(row(n, "node"));
        // VMs behind forwarded ports (user-mode networking) say where ssh reaches them
        Map<String, String> ssh = new LinkedHashMap<>();
        new ClusterStore(ctx.home()).get(vc.name()).ifPresent(c -> c.members().forEach(m -> {
            if (m.sshPort() != null && m.publicIp() != null) ssh.put(m.name(), m.publicIp() + ":" + m.sshPort());
        }));
        if (ssh.isEmpty()) {
            p.list(NODE_COLUMNS, rows);
            return;
        }
        for (Map<String, ?> r : rows) ((Map<String, Object>) r).put("ssh", ssh.get(String.valueOf(r.get("name"))));
        List<String> columns = new ArrayList<>(NODE_COLUMNS);
        columns.add("ssh");
        p.list(columns, rows);
    }

    private static Map<String, Object> row(Node n, String role) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", n.name());
        r.put("role", role);
        r.put("state", n.state());
        r.put("ncpu", n.ncpu());
        r.put("ram", n.ram());
        r.put("disk", n.disk());
        r.put("ip", n.nics().stream().map(Nic::ip).filter(x -> x != null).toList());
        r.put("mac", n.nics().stream().map(Nic::mac).filter(x -> x != null).findFirst().orElse(null));
        return r;
    }

    /** The NIST Virtualcluster object as a map (JSON/YAML). */
    static Map<String, Object> nist(VirtualCluster vc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", vc.name());
        m.put("description", vc.description());
        m.put("owner", vc.owner());
        m.put("project", vc.project());
        m.put("cloud", vc.cloud());
        m.put("manager", vc.manager() == null ? null : nist(vc.manager()));
        m.put("nodes", vc.nodes().stream().map(ClusterCommand::nist).toList());
        return m;
    }

    static Map<String, Object> nist(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("state", n.state());
        m.put("ncpu", n.ncpu());
        m.put("ram", n.ram());
        m.put("disk", n.disk());
        List<Map<String, Object>> nics = new ArrayList<>();
        for (Nic x : n.nics()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mac", x.mac());
            e.put("ip", x.ip());
            nics.add(e);
        }
        m.put("nics", nics);
        return m;
    }

    // ------------------------------------------------------------------------------------------------ add, remove, power

    @Command(name = "add", description = {"Boot K more nodes and add them to the cluster.",
            "They are named on from the highest NAME-N and join the manager's ssh trust and hosts file."})
    int add(@Parameters(paramLabel = "NAME", description = "the cluster that grows") String name,
            @Option(names = "--count", paramLabel = "K", defaultValue = "1", description = "number of nodes to add (default: ${DEFAULT-VALUE})") int count,
            @Option(names = "--setup", negatable = true, defaultValue = "true", fallbackValue = "true",
                    description = "extend ssh trust and the hosts file to them (--no-setup: boot and record only)") boolean setup,
            @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
                    description = "how long setup waits for the new VMs' addresses (default: ${DEFAULT-VALUE})") double wait,
            @Mixin OutputOption output) {
        Clusters service = clusters(wait);
        printNodes(audited("cluster add " + name + " --count " + count, name, null, () -> service.add(name, count, null, setup)),
                output.format);
        return 0;
    }

    @Command(name = "remove", description = {"Terminate nodes of a cluster and forget them.", "HOSTLIST names compute nodes; the manager is never removed."})
    int remove(@Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name,
               @Parameters(index = "1", paramLabel = "HOSTLIST", description = "the nodes to remove, e.g. lab-[3-4]") String hostlist) {
        List<String> removed = audited("cluster remove " + name + " " + hostlist, name, hostlist, () -> clusters().remove(name, hostlist));
        ctx.out().println("removed " + Hostlist.compress(removed) + " from cluster " + name);
        return 0;
    }

    @Command(name = "start", description = "Start every VM of a stopped cluster.")
    int start(@Parameters(paramLabel = "NAME", description = "the cluster to start") String name, @Mixin OutputOption output) {
        printNodes(audited("cluster start " + name, name, null, () -> clusters().power(name, true)), output.format);
        return 0;
    }

    @Command(name = "stop", description = {"Stop every VM of a cluster.", "They keep their disks; 'cluster start' resumes."})
    int stop(@Parameters(paramLabel = "NAME", description = "the cluster to stop") String name, @Mixin OutputOption output) {
        printNodes(audited("cluster stop " + name, name, null, () -> clusters().power(name, false)), output.format);
        return 0;
    }

    @Command(name = "delete", description = {"Terminate every VM of a cluster and forget it.",
            "Asks first at the prompt; scripts give --yes."})
    int delete(@Parameters(paramLabel = "NAME", description = "the cluster to delete") String name, @Option(names = "--yes", description = "do not ask") boolean yes) {
        Names.require("cluster", name);
        if (!yes) {
            if (!ctx.interactive()) throw new CmsException("cluster delete " + name + " needs --yes when not at the prompt");
            if (!ctx.confirm("Delete cluster " + name + " and terminate all its VMs?")) {
                ctx.out().println("cluster " + name + " kept");
                return 1;
            }
        }
        audited("cluster delete " + name, name, null, () -> {
            clusters().delete(name);
            return null;
        });
        ctx.out().println("deleted cluster " + name);
        return 0;
    }

    @Command(name = "setup", description = {"Set up ssh trust and the hosts file again.", "The manager gets the cluster's key, ssh config and hosts file and logs in to every running node."})
    int setup(@Parameters(paramLabel = "NAME", description = "the cluster") String name,
              @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
                      description = "how long to wait for the VMs' addresses (default: ${DEFAULT-VALUE})") double wait) {
        Clusters service = clusters(wait);
        audited("cluster setup " + name, name, null, () -> {
            service.setup(name);
            return null;
        });
        ctx.out().println("cluster " + name + ": the manager reaches every running node");
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ ssh, run, put, get

    @Command(name = "ssh", description = {"Log in to the manager, or through it to NODE.",
            "Uses the system ssh client; the manager's host key is pinned in $CLOUDMESH_HOME/known_hosts."})
    int ssh(@Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name,
            @Parameters(index = "1", paramLabel = "NODE", arity = "0..1", description = "a node to log in to through the manager (default: the manager)") String node) throws IOException, InterruptedException {
        Cluster c = clusters().require(name);
        Member m = c.manager().orElseThrow(() -> new CmsException("cluster '" + name + "' has no manager"));
        if (m.address() == null) throw new CmsException("the manager " + m.name() + " has no address (state " + m.state() + ")");
        List<String> argv = new ArrayList<>(List.of("ssh", "-o", "UserKnownHostsFile=" + ctx.home().resolve("known_hosts"),
                "-o", "StrictHostKeyChecking=accept-new", "-p", Integer.toString(m.port(c.port())), "-i", c.key(),
                "-o", "IdentitiesOnly=yes", "-l", c.user()));
        if (node != null && !node.equals(m.name()) && !node.equals(VirtualCluster.MANAGER)) {
            if (c.member(node).isEmpty()) throw new CmsException("cluster '" + name + "' has no node '" + node + "': see 'cluster info " + name + "'");
            argv.addAll(List.of("-t", "--", m.address(), "ssh -t -F ~/" + Remote.dir(name) + "/ssh_config " + ShellQuote.quote(node)));
        } else {
            argv.addAll(List.of("--", m.address()));
        }
        ctx.out().flush();
        return new ProcessBuilder(argv).inheritIO().start().waitFor();
    }

    @Command(name = "run", description = {"Run COMMAND on the nodes in parallel, through the manager.",
            "Output lines are prefixed 'NODE: '; a summary names the nodes that failed or",
            "could not be reached; the exit status is the worst of them (255: unreachable).",
            "--nodes HOSTLIST picks nodes (the manager too, by name or 'manager').",
            "Quote COMMAND when it has options or shell syntax: cluster run lab 'df -h /'."})
    int run(@Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name,
            @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "the command line to run on every node") List<String> command,
            @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes,
            @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "give up after this long (default: ${DEFAULT-VALUE})") double timeout) {
        String cmd = String.join(" ", command);
        if (cmd.isBlank()) throw new CmsException("COMMAND is empty: give the command to run");
        Cluster c = clusters().require(name);
        List<String> targets = targets(c, nodes);
        try (Remote r = new Remote(ctx.home(), c)) {
            Map<String, Remote.Result> results = r.fanOut(targets, cmd, null, seconds(timeout));
            int worst = 0;
            for (Remote.Result x : results.values()) {
                prefixed(ctx.out(), x.node(), x.out());
                prefixed(ctx.err(), x.node(), x.stderr());
                worst = Math.max(worst, x.status() < 0 ? 255 : x.status());
            }
            summary(results);
            return worst;
        }
    }

    private void summary(Map<String, Remote.Result> results) {
        List<String> failed = Remote.failures(results);
        if (!failed.isEmpty()) {
            ctx.err().println("FAILED on " + failed.size() + " of " + results.size() + " nodes: " + String.join(", ", failed));
        }
        ctx.out().flush();
        ctx.err().flush();
    }

    @Command(name = "put", description = {"Copy a local file to the nodes.", "SOURCE goes to DESTINATION on every node (or --nodes), through the manager."})
    int put(@Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name,
            @Parameters(index = "1", paramLabel = "SOURCE", description = "the local file") Path source,
            @Parameters(index = "2", paramLabel = "DESTINATION", description = "the path on each node") String destination,
            @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes) {
        if (!Files.isRegularFile(source)) throw new CmsException("no file " + source + " to copy");
        Cluster c = clusters().require(name);
        List<String> targets = targets(c, nodes);
        try (Remote r = new Remote(ctx.home(), c)) {
            String staged = r.stage(source);
            Map<String, Remote.Result> results = r.fanOut(targets, "cat > " + ShellQuote.quote(destination), staged, seconds(600));
            for (Remote.Result x : results.values()) {
                if (x.status() == 0) ctx.out().println(x.node() + ": " + source + " -> " + destination);
            }
            summary(results);
            return results.values().stream().mapToInt(Remote.Result::status).max().orElse(0);
        }
    }

    @Command(name = "get", description = {"Copy a file from the nodes.", "SOURCE on the nodes comes to local DESTINATION, through the manager; with",
            "several nodes DESTINATION is a directory and each copy goes to DESTINATION/NODE/FILE."})
    int get(@Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name,
            @Parameters(index = "1", paramLabel = "SOURCE", description = "the path on the nodes") String source,
            @Parameters(index = "2", paramLabel = "DESTINATION", description = "the local file, or directory for several nodes") Path destination,
            @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes) {
        Cluster c = clusters().require(name);
        List<String> targets = targets(c, nodes);
        String base = source.substring(source.lastIndexOf('/') + 1);
        if (base.isEmpty() || base.equals(".") || base.equals("..")) throw new CmsException("get " + source + ": name a file, not a directory");
        try (Remote r = new Remote(ctx.home(), c)) {
            Map<String, Remote.Result> results = r.fanOut(targets, "cat -- " + ShellQuote.quote(source), null, seconds(600));
            for (Remote.Result x : results.values()) {
                if (x.status() != 0) continue;
                Path to = targets.size() == 1 ? destination : destination.resolve(x.node()).resolve(base);
                try {
                    if (to.getParent() != null) Files.createDirectories(to.getParent());
                    Files.write(to, x.stdout());
                } catch (IOException e) {
                    throw new CmsException("cannot write " + to + ": " + e.getMessage());
                }
                ctx.out().println(x.node() + ": " + source + " -> " + to);
            }
            summary(results);
            return results.values().stream().mapToInt(Remote.Result::status).max().orElse(0);
        }
    }

    /** --nodes (validated members; 'manager' is the manager), else every compute node that did not fail to boot. */
    private List<String> targets(Cluster c, String hostlist) {
        if (!Clusters.SETUP_OK.equals(c.setup())) {
            ctx.err().println("WARNING: cluster " + c.name() + ": ssh setup is not complete (" + c.setup() + "): run 'cluster setup "
                    + c.name() + "'");
        }
        if (hostlist == null) {
            List<String> all = c.nodes().stream().filter(m -> !Node.FAILED.equals(m.state())).map(Member::name).toList();
            if (all.isEmpty()) throw new CmsException("cluster '" + c.name() + "' has no nodes to run on: add some with 'cluster add " + c.name() + "'");
            return all;
        }
        List<String> names = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String n : Hostlist.expand(hostlist)) {
            String m = n.equals(VirtualCluster.MANAGER) ? c.manager().map(Member::name).orElse(n) : n;
            if (c.member(m).isPresent()) names.add(m);
            else unknown.add(n);
        }
        if (!unknown.isEmpty()) {
            throw new CmsException("cluster '" + c.name() + "' has no node " + Hostlist.compress(unknown) + ": see 'cluster info " + c.name() + "'");
        }
        return names;
    }

    private static Duration seconds(double s) {
        return seconds(s, "--timeout");
    }

    private static Duration seconds(double s, String option) {
        if (!(s > 0) || s > 1e6) throw new CmsException(option + " " + s + ": give a positive number of seconds");
        return Duration.ofMillis((long) (s * 1000));
    }

    private static void prefixed(PrintWriter w, String node, String text) {
        if (text.isEmpty()) return;
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) w.println(node + ": " + line);
        }
    }

    // ------------------------------------------------------------------------------------------------ inventory

    @Command(name = "inventory", description = {"Print the cluster for ansible, /etc/hosts or ssh.",
            "--format ansible (INI inventory), hosts (/etc/hosts lines) or ssh-config",
            "(Host entries; the nodes through the manager)."})
    int inventory(@Parameters(paramLabel = "NAME", description = "the cluster") String name,
                  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "ansible", description = "ansible, hosts or ssh-config (default: ${DEFAULT-VALUE})") String format) {
        Cluster c = clusters().require(name);
        ctx.out().print(switch (format) {
            case "ansible" -> Inventory.ansible(c, ctx.home());
            case "hosts" -> Clusters.hostsFile(c);
            case "ssh-config" -> Inventory.sshConfig(c, ctx.home());
            default -> throw new CmsException("unknown inventory format '" + format + "': use ansible, hosts or ssh-config");
        });
        ctx.out().flush();
        return 0;
    }
}
