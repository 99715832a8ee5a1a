package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.cluster.ClusterBackend;
import org.cloudmesh.cms.api.cluster.Nic;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.ssh.KeyStore;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.stack.Slurm;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Parallel;

/**
 * The cluster service, shared by the {@code cluster} command and the {@code /virtualcluster} routes: clusters of VMs
 * booted through the provider of a cloud ({@code cloudmesh.cloud.NAME.cm.kind}, found as a ComputeProvider extension,
 * as {@code vm} does) and clusters kept by a {@link ClusterBackend} (comet). The manager is VM {@code NAME-manager},
 * the nodes {@code NAME-1..N}. Nodes are booted with the cluster's own key pair ({@code $CLOUDMESH_HOME/cluster/NAME/}),
 * which the manager gets too: that is the ssh trust from the manager to the nodes.
 */
final class Clusters {
    private static final Parallel PARALLEL = new Parallel(64, "interrupted; 'cluster info NAME' shows what the cloud holds now");
    static final String SETUP_OK = "ok";
    static final int MAX_COUNT = 1000;

    private final Context ctx;
    private final ClusterStore store;
    /** How long setup waits for the VMs' addresses. */
    Duration addressWait = Duration.ofMinutes(5);
    /** How long a stack's setup waits for the nodes to register (Slurm: ready in sinfo). */
    Duration stackWait = Duration.ofMinutes(2);

    Clusters(Context ctx) {
        this.ctx = ctx;
        this.store = new ClusterStore(ctx.home());
    }

    ClusterStore store() {
        return store;
    }

    // ------------------------------------------------------------------------------------------------ lookup

    List<ClusterBackend> backends() {
        return ctx.extensions(ClusterBackend.class);
    }

    /** The backend that keeps cluster {@code name}, if one does (its errors, e.g. no endpoint configured, are ignored). */
    Optional<Map.Entry<ClusterBackend, VirtualCluster>> backendCluster(String name) {
        for (ClusterBackend b : backends()) {
            try {
                Optional<VirtualCluster> vc = b.find(ctx, name);
                if (vc.isPresent()) return Optional.of(Map.entry(b, vc.get()));
            } catch (CmsException e) {
                // a backend without configuration keeps no clusters
            }
        }
        return Optional.empty();
    }

    /** Every cluster: the store's, then each backend's (a backend that fails is reported on err and skipped). */
    List<VirtualCluster> all(boolean warn) {
        List<VirtualCluster> out = new ArrayList<>();
        for (Cluster c : store.list()) out.add(view(c));
        for (ClusterBackend b : backends()) {
            try {
                out.addAll(b.list(ctx));
            } catch (CmsException e) {
                if (warn) ctx.err().println("WARNING: " + b.kind() + " clusters not listed: " + e.getMessage());
            }
        }
        return out;
    }

    Cluster require(String name) {
        Names.require("cluster", name);
        Optional<Cluster> c = store.get(name);
        if (c.isPresent()) return c.get();
        String kind = backendCluster(name).map(b -> b.getKey().kind()).orElse(null);
        if (kind != null) throw new CmsException("cluster '" + name + "' is a " + kind + " cluster: use the " + kind + " commands for this");
        throw new CmsException("unknown cluster '" + name + "': see 'cluster list'");
    }

    // ------------------------------------------------------------------------------------------------ create

    /** What to create; {@code nodeNames} (validated) instead of generated names when not null. */
    record Spec(String name, String cloud, int count, List<String> nodeNames, String image, String flavor,
                String managerFlavor, String key, String project, String owner, String description, boolean setup,
                String stack) {
        Spec(String name, String cloud, int count, List<String> nodeNames, String image, String flavor,
             String managerFlavor, String key, String project, String owner, String description, boolean setup) {
            this(name, cloud, count, nodeNames, image, flavor, managerFlavor, key, project, owner, description, setup, null);
        }
    }

    /**
     * Boots the manager and the nodes concurrently, records them (before the cloud is asked), then sets up ssh trust
     * and the hosts file. A VM that fails to boot is recorded as failed and the error says how to go on.
     */
    VirtualCluster create(Spec s) {
        Names.require("cluster", s.name());
        if (s.name().length() > 40) throw new CmsException("invalid cluster name '" + s.name() + "': use at most 40 characters");
        int count = s.nodeNames() != null ? s.nodeNames().size() : s.count();
        if (count < 1 || count > MAX_COUNT) {
            throw new CmsException("--count " + count + ": a cluster needs 1 to " + MAX_COUNT + " nodes besides its manager");
        }
        if (s.project() != null) Names.require("project", s.project());
        if (s.owner() != null) Names.require("owner", s.owner());
        if (s.description() != null && s.description().chars().anyMatch(c -> c < ' ')) {
            throw new CmsException("--description: use one line of text");
        }
        if (s.stack() != null) Slurm.requireKnown(s.stack());
        if (s.cloud() == null || s.cloud().isBlank()) {
            throw new CmsException("no cloud chosen: give --cloud CLOUD or 'set cloud=NAME' (clouds: " + clouds() + ")");
        }
        if (store.get(s.name()).isPresent()) {
            throw new CmsException("cluster '" + s.name() + "' already exists on cloud " + store.get(s.name()).get().cloud()
                    + ": choose another name or delete it with 'cluster delete " + s.name() + "'");
        }
        if (backendCluster(s.name()).isPresent()) {
            throw new CmsException("cluster '" + s.name() + "' already exists as a " + backendCluster(s.name()).get().getKey().kind()
                    + " cluster: choose another name");
        }
        boolean isCloud = ProviderConfig.clouds(ctx.config()).contains(s.cloud());
        if (!isCloud) {
            for (ClusterBackend b : backends()) {
                if (b.serves(ctx, s.cloud())) {
                    if (s.stack() != null) {
                        throw new CmsException("--stack: " + b.kind() + " clusters get their stack with '" + b.kind()
                                + " cluster setup " + s.name() + " --stack " + s.stack() + "' (not yet available)");
                    }
                    return b.create(ctx, new ClusterBackend.CreateRequest(s.name(), s.cloud(), count, s.image(), s.flavor(),
                            s.managerFlavor(), s.project() != null ? s.project() : defaultProject(),
                            s.owner() != null ? s.owner() : profileUser(), s.description()));
                }
            }
            throw new CmsException("unknown cloud '" + s.cloud() + "': configured clouds are " + clouds()
                    + " (add one under cloudmesh.cloud in " + ctx.config().file() + ")");
        }
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), s.cloud());
        ComputeProvider provider = provider(cfg);
        String image = s.stack() != null && s.image() == null ? stackImage(cfg, s.stack())
                : resolve("image", s.image(), cfg).orElseThrow(() -> missing("image", s.cloud()));
        String flavor = (s.flavor() == null && s.stack() != null ? imageSetting(cfg, image, "flavor") : Optional.<String>empty())
                .or(() -> resolve("flavor", s.flavor(), cfg)).orElseThrow(() -> missing("flavor", s.cloud()));
        String managerFlavor = s.managerFlavor() != null ? s.managerFlavor() : cfg.defaultValue("manager_flavor").orElse(flavor);
        for (String v : List.of(image, flavor, managerFlavor)) {
            if (v.chars().anyMatch(c -> c <= ' ')) throw new CmsException("image and flavor names cannot hold spaces: '" + v + "'");
        }
        String user = cfg.defaultValue("username").orElse(guessUser(image));
        if (!Names.isValid(user)) throw new CmsException("user name '" + user + "' is not valid: set " + ProviderConfig.PREFIX + s.cloud() + ".default.username");
        int port = sshPort(cfg);
        Path userKey = userKey(s.key(), cfg);
        String userPublic = publicKey(userKey);

        List<String> nodeNames = new ArrayList<>();
        if (s.nodeNames() != null) {
            for (String n : s.nodeNames()) nodeNames.add(requireNodeName(s.name(), n));
        } else {
            for (int i = 1; i <= count; i++) nodeNames.add(s.name() + "-" + i);
        }
        String managerName = s.name() + "-manager";
        List<String> all = new ArrayList<>();
        all.add(managerName);
        all.addAll(nodeNames);
        if (all.stream().distinct().count() != all.size()) throw new CmsException("node names repeat: " + String.join(",", all));

        try (Compute compute = provider.open(cfg)) {
            List<String> taken = taken(compute, all);
            if (!taken.isEmpty()) {
                throw new CmsException("vm " + Hostlist.compress(taken) + " already exists on cloud " + s.cloud()
                        + ": choose another cluster name (nothing was booted)");
            }
            Path dir = store.dir().resolve(s.name());
            Path clusterKey = clusterKey(dir, s.name());
            String clusterPublic = publicKey(clusterKey);
            String owner = s.owner() != null ? s.owner() : profileUser();
            List<Member> members = new ArrayList<>();
            members.add(booting(managerName, true, managerFlavor));
            for (String n : nodeNames) members.add(booting(n, false, flavor));
            Cluster c = new Cluster(s.name(), s.cloud(), cfg.kind(), s.project() != null ? s.project() : defaultProject(),
                    owner, s.description(), Instant.now().toString(), user, port, userKey.toString(), image, flavor,
                    managerFlavor, s.setup() ? "pending" : "skipped (--no-setup)", members);
            if (s.stack() != null) {
                c = c.withStack(new Cluster.Stack(s.stack(), "pending"));
                // a cloud without a private network of its own: the manager's links are the nodes' segment
                if (compute.joinsLinks()) c = c.withLan(Lan.plan(count + Lan.SPARE, Lan.ports(store.list())).take(nodeNames));
            }
            Cluster recorded = c;
            store.update(m -> {
                if (m.containsKey(s.name())) throw new CmsException("cluster '" + s.name() + "' was just created by another cms");
                m.put(s.name(), recorded);
            });
            try {
                compute.uploadKey(keyName(s.name()), clusterPublic);
            } catch (CmsException e) {
                // kinds that take the key at boot (libvirt, azure) keep no key pairs
            }
            List<String> errors = boot(compute, c, members, image, userKey, userPublic, clusterPublic);
            Cluster now = require(s.name());
            if (s.setup() && now.manager().filter(m -> Node.RUNNING.equals(m.state())).isPresent()) {
                try {
                    setup(compute, now);
                } catch (CmsException e) {
                    errors.add(e.getMessage());
                }
            }
            finish(s.name(), errors);
            return view(require(s.name()));
        }
    }

    private static Member booting(String name, boolean manager, String flavor) {
        return new Member(name, manager, null, Node.BOOTING, null, null, flavor, null, null, null, null);
    }

    /**
     * The manager's host key, when the cloud knows it for sure (cms made it and seeded it), is pinned in
     * $CLOUDMESH_HOME/known_hosts before the first login; the nodes are pinned by the manager (trust on first use).
     */
    private void pinHostKey(Vm vm, Member m, int clusterPort) {
        String key = vm.details().get("host_key");
        if (!m.manager() || key == null || key.split(" ").length < 2 || m.address() == null) return;
        new org.cloudmesh.cms.api.ssh.KnownHosts(ctx.home().resolve("known_hosts")).pin(
                org.cloudmesh.cms.api.ssh.KnownHosts.hostName(m.address(), m.port(clusterPort)),
                java.util.Base64.getDecoder().decode(key.split(" ")[1]));
    }

    /** Boots the members concurrently; returns the errors (failed members are recorded as failed). */
    private List<String> boot(Compute compute, Cluster c, List<Member> members, String image, Path userKey,
                              String userPublic, String clusterPublic) {
        String userKeyName = userKey.getFileName().toString();
        List<Parallel.Outcome<Member, Member>> outcomes = PARALLEL.run(members, m -> {
            try {
                List<org.cloudmesh.cms.api.compute.Link> links = c.lan() == null ? List.of()
                        : m.manager() ? c.lan().managerLinks() : List.of(c.lan().nodeLink(m.name()));
                BootRequest r = m.manager()
                        ? new BootRequest(m.name(), image, m.flavor(), userKeyName, userPublic, null, null, c.user(), links)
                        : new BootRequest(m.name(), image, m.flavor(), keyName(c.name()), clusterPublic, null, null, c.user(), links);
                Vm vm = compute.boot(r);
                Member done = member(vm, m);
                pinHostKey(vm, done, c.port());
                store.change(c.name(), x -> x.with(done));
                return done;
            } catch (RuntimeException e) {
                Member failed = m.withState(Node.FAILED, Parallel.message(e));
                store.change(c.name(), x -> x.with(failed));
                throw e;
            }
        });
        List<String> errors = new ArrayList<>();
        for (var o : outcomes) {
            if (!o.ok()) errors.add(o.item().name() + " failed to boot: " + Parallel.message(o.error()));
        }
        return errors;
    }

    private void finish(String name, List<String> errors) {
        if (errors.isEmpty()) return;
        Cluster c = require(name);
        List<String> failed = c.members().stream().filter(m -> Node.FAILED.equals(m.state())).map(Member::name).toList();
        for (int i = 1; i < errors.size(); i++) ctx.err().println("ERROR: " + errors.get(i));
        ctx.err().flush();
        String hint;
        if (failed.stream().anyMatch(n -> n.equals(name + "-manager"))) {
            hint = "the manager failed: delete the cluster with 'cluster delete " + name + " --yes' and create it again";
        } else if (!failed.isEmpty()) {
            hint = "the cluster records " + Hostlist.compress(failed) + " as failed: remove with 'cluster remove " + name + " "
                    + Hostlist.compress(failed) + "', then retry with 'cluster add " + name + " --count " + failed.size() + "'";
        } else {
            hint = "retry with 'cluster setup " + name + "'";
        }
        throw new CmsException(errors.get(0) + " (" + hint + ")");
    }

    /** The member as the cloud reports its VM. */
    static Member member(Vm vm, Member old) {
        Map<String, String> d = vm.details();
        Integer ncpu = Member.i(d, "vcpus");
        Integer ram = Member.i(d, "memory_mib");
        return new Member(old.name(), old.manager(), vm.id() != null ? vm.id() : old.id(), state(vm.state()),
                vm.publicIp(), vm.privateIp(), vm.flavor() != null ? vm.flavor() : old.flavor(),
                ncpu != null ? ncpu : old.ncpu(), ram != null ? ram : old.ramMib(),
                d.get("mac") != null ? d.get("mac") : old.mac(), null, Member.i(d, "ssh_port"), d.get("peer_address"));
    }

    static String state(String vmState) {
        if (vmState == null) return Node.UNKNOWN;
        return switch (vmState) {
            case Vm.BOOTING, Vm.PENDING -> Node.BOOTING;
            case Vm.RUNNING -> Node.RUNNING;
            case Vm.STOPPING -> Node.STOPPING;
            case Vm.STOPPED -> Node.STOPPED;
            case "paused" -> Node.PAUSED;
            case Vm.TERMINATED -> Node.UNDEFINED;
            default -> Node.UNKNOWN;
        };
    }

    // ------------------------------------------------------------------------------------------------ add, remove

    /** Boots {@code count} more nodes (or the named ones) and sets them up. */
    VirtualCluster add(String name, int count, List<String> names, boolean setup) {
        Cluster c = require(name);
        int k = names != null ? names.size() : count;
        if (k < 1 || k > MAX_COUNT) throw new CmsException("--count " + k + ": add 1 to " + MAX_COUNT + " nodes");
        List<String> nodeNames = new ArrayList<>();
        if (names != null) {
            for (String n : names) {
                requireNodeName(name, n);
                if (c.member(n).isPresent()) throw new CmsException("cluster '" + name + "' already has a node " + n);
                nodeNames.add(n);
            }
        } else {
            int next = 1;
            for (Member m : c.nodes()) {
                String suffix = m.name().startsWith(name + "-") ? m.name().substring(name.length() + 1) : "";
                if (suffix.matches("[0-9]{1,9}")) next = Math.max(next, Integer.parseInt(suffix) + 1);
            }
            for (int i = 0; i < k; i++) nodeNames.add(name + "-" + (next + i));
        }
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.cloud());
        try (Compute compute = provider(cfg).open(cfg)) {
            List<String> taken = taken(compute, nodeNames);
            if (!taken.isEmpty()) {
                throw new CmsException("vm " + Hostlist.compress(taken) + " already exists on cloud " + c.cloud()
                        + ": nothing was booted");
            }
            String clusterPublic = publicKey(store.dir().resolve(name).resolve("id_ed25519"));
            List<Member> members = nodeNames.stream().map(n -> booting(n, false, c.flavor())).toList();
            Cluster grown = store.change(name, x -> {
                Cluster y = x.lan() == null ? x : x.withLan(x.lan().take(nodeNames));
                for (Member m : members) y = y.with(m);
                return y;
            });
            List<String> errors = boot(compute, grown, members, c.image(), Path.of(c.key()), null, clusterPublic);
            Cluster now = require(name);
            if (setup && (now.setup() == null || !now.setup().startsWith("skipped"))) {
                try {
                    setup(compute, now);
                } catch (CmsException e) {
                    errors.add(e.getMessage());
                }
            }
            finish(name, errors);
            return view(require(name));
        }
    }

    /** Terminates nodes {@code hostlist} (never the manager) and forgets them; refreshes the manager's files. */
    List<String> remove(String name, String hostlist) {
        Cluster c = require(name);
        List<String> names = new ArrayList<>();
        for (String n : Hostlist.expand(hostlist)) names.add(n.equals(VirtualCluster.MANAGER) ? c.manager().map(Member::name).orElse(n) : n);
        String managerName = c.manager().map(Member::name).orElse(null);
        if (names.contains(managerName)) {
            throw new CmsException("cannot remove the manager " + managerName + " of cluster '" + name
                    + "': delete the whole cluster with 'cluster delete " + name + "'");
        }
        List<String> unknown = names.stream().filter(n -> c.member(n).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            throw new CmsException("cluster '" + name + "' has no node " + Hostlist.compress(unknown) + ": nothing removed (see 'cluster info "
                    + name + "')");
        }
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.cloud());
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (Compute compute = provider(cfg).open(cfg)) {
            List<Member> targets = names.stream().map(n -> c.member(n).orElseThrow()).toList();
            if (SETUP_OK.equals(c.setup())) closeConnections(c, targets, "");
            for (var o : PARALLEL.run(targets, m -> {
                compute.terminate(vmOf(c, m));
                store.change(name, x -> {
                    Cluster y = x.without(m.name());
                    return y.lan() == null ? y : y.withLan(y.lan().free(List.of(m.name())));
                });
                return m.name();
            })) {
                if (o.ok()) removed.add(o.value());
                else errors.add(o.item().name() + ": " + Parallel.message(o.error()));
            }
            Cluster now = require(name);
            if (SETUP_OK.equals(now.setup()) && !removed.isEmpty()) {
                try {
                    setup(compute, now);
                } catch (CmsException e) {
                    errors.add("the manager's ssh config was not updated: " + e.getMessage());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new CmsException("removed " + removed.size() + " of " + names.size() + " nodes; " + String.join("; ", errors));
        }
        return removed;
    }

    // ------------------------------------------------------------------------------------------------ power, delete

    /** Starts or stops every VM of the cluster (or of a backend cluster) in parallel. */
    VirtualCluster power(String name, boolean on) {
        return power(name, null, on);
    }

    /** Starts or stops one member ({@code node}), or every VM of the cluster when node is null. */
    VirtualCluster power(String name, String node, boolean on) {
        Names.require("cluster", name);
        if (store.get(name).isEmpty() && node == null) {
            var b = backendCluster(name).orElseThrow(() -> new CmsException("unknown cluster '" + name + "': see 'cluster list'"));
            if (on) b.getKey().start(ctx, name);
            else b.getKey().stop(ctx, name);
            return b.getKey().find(ctx, name).orElse(b.getValue());
        }
        Cluster c = require(name);
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.cloud());
        List<String> errors = new ArrayList<>();
        try (Compute compute = provider(cfg).open(cfg)) {
            List<Member> targets = c.members().stream().filter(m -> !Node.FAILED.equals(m.state()))
                    .filter(m -> node == null || m.name().equals(node)).toList();
            for (var o : PARALLEL.run(targets, m -> {
                Vm vm = on ? compute.start(vmOf(c, m)) : compute.stop(vmOf(c, m));
                Member after = member(vm, m);
                store.change(name, x -> x.with(after));
                return after;
            })) {
                if (!o.ok()) errors.add(o.item().name() + ": " + Parallel.message(o.error()));
            }
        }
        if (!errors.isEmpty()) throw new CmsException((on ? "start" : "stop") + " failed for " + String.join("; ", errors));
        return view(require(name));
    }

    /** Terminates every VM and forgets the cluster (a backend cluster is deleted by its backend). */
    void delete(String name) {
        Names.require("cluster", name);
        if (store.get(name).isEmpty()) {
            var b = backendCluster(name).orElseThrow(() -> new CmsException("unknown cluster '" + name + "': see 'cluster list'"));
            b.getKey().delete(ctx, name);
            return;
        }
        Cluster c = require(name);
        if (c.setup() == null || !c.setup().startsWith("skipped")) cleanManager(c);
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.cloud());
        List<String> errors = new ArrayList<>();
        try (Compute compute = provider(cfg).open(cfg)) {
            for (var o : PARALLEL.run(c.members(), m -> {
                compute.terminate(vmOf(c, m));
                store.change(name, x -> x.without(m.name()));
                return m;
            })) {
                if (!o.ok()) errors.add(o.item().name() + ": " + Parallel.message(o.error()));
            }
        }
        if (!errors.isEmpty()) {
            throw new CmsException("cluster '" + name + "' keeps the VMs that could not be terminated: " + String.join("; ", errors)
                    + " (run 'cluster delete " + name + "' again)");
        }
        store.update(m -> m.remove(name));
        deleteTree(store.dir().resolve(name));
    }

    /** Ends the manager's ssh multiplexers and removes the cluster's directory there (best effort). */
    private void cleanManager(Cluster c) {
        closeConnections(c, c.nodes(), "; rm -rf " + Remote.dir(c.name()));
    }

    /** Ends the manager's multiplexed connections to {@code nodes} (best effort), then runs {@code andThen}. */
    private void closeConnections(Cluster c, List<Member> nodes, String andThen) {
        try (Remote r = new Remote(ctx.home(), c)) {
            StringBuilder s = new StringBuilder("true");
            for (Member m : nodes) {
                s.append("; ssh -F ").append(Remote.dir(c.name())).append("/ssh_config -O exit ").append(m.name()).append(" 2>/dev/null");
            }
            r.exec(s + andThen, Duration.ofSeconds(20));
        } catch (CmsException e) {
            // the manager may be down or about to be terminated: the connections end with their ControlPersist
        }
    }

    // ------------------------------------------------------------------------------------------------ setup

    /** Sets up (again) ssh trust from the manager to every running node and the hosts file. */
    void setup(String name) {
        setup(name, null);
    }

    /**
     * As {@link #setup(String)}; with {@code stack} the cluster gets (or keeps) that software stack. A cluster on a
     * cloud without private addresses that was made without a stack has no segment for one: it is refused, unchanged.
     */
    void setup(String name, String stack) {
        if (stack != null) Slurm.requireKnown(stack);
        Cluster c = require(name);
        if (stack != null && c.stack() != null && !c.stack().name().equals(stack)) {
            throw new CmsException("cluster '" + name + "' has the " + c.stack().name() + " stack: it cannot change to " + stack);
        }
        if (stack != null && c.stack() == null) {
            if (c.lan() == null && c.nodes().stream().anyMatch(m -> m.peerAddress() != null)) {
                throw new CmsException("cluster '" + name + "' has no private network (its nodes are reached only through ports"
                        + " forwarded on their host): create it with 'cluster create " + name + " ... --stack " + stack + "'");
            }
            c = store.change(name, x -> x.withStack(new Cluster.Stack(stack, "pending")));
        }
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.cloud());
        try (Compute compute = provider(cfg).open(cfg)) {
            setup(compute, c);
        }
    }

    private void setup(Compute compute, Cluster c) {
        Cluster now = withAddresses(compute, c);
        List<Member> running = now.members().stream().filter(m -> Node.RUNNING.equals(m.state())).toList();
        List<String> noAddress = running.stream().filter(m -> m.address() == null).map(Member::name).toList();
        if (!noAddress.isEmpty()) {
            String why = "no address for " + Hostlist.compress(noAddress) + " after " + addressWait.toSeconds() + " s";
            store.change(c.name(), x -> x.withSetup(why));
            throw new CmsException("cluster '" + c.name() + "': ssh trust not set up: " + why);
        }
        awaitSsh(now);
        Path dir = store.dir().resolve(c.name());
        String config = managerSshConfig(now);
        String hosts = hostsFile(now);
        Remote.write(dir.resolve("hosts"), hosts);
        List<String> nodes = running.stream().filter(m -> !m.manager()).map(Member::name).toList();
        try (Remote r = new Remote(ctx.home(), now)) {
            try {
                r.install(dir.resolve("id_ed25519"), config, hosts);
                if (!nodes.isEmpty()) {
                    List<String> failed = Remote.failures(r.fanOut(nodes, "true", null, Duration.ofSeconds(120)));
                    if (!failed.isEmpty()) {
                        String why = "the manager cannot reach " + String.join(", ", failed);
                        store.change(c.name(), x -> x.withSetup(why));
                        throw new CmsException("cluster '" + c.name() + "': " + why);
                    }
                }
            } catch (CmsException e) {
                if (SETUP_OK.equals(require(c.name()).setup()) || "pending".equals(require(c.name()).setup())) {
                    store.change(c.name(), x -> x.withSetup(e.getMessage()));
                }
                throw e;
            }
            store.change(c.name(), x -> x.withSetup(SETUP_OK));
            if (now.stack() != null) setupStack(r, now);
        }
    }

    /** The cluster's stack on its running VMs; its state in the record says how that went. */
    private void setupStack(Remote r, Cluster c) {
        try {
            new SlurmStack(c, store.dir().resolve(c.name()), ctx.err()).apply(r, stackWait);
        } catch (CmsException e) {
            store.change(c.name(), x -> x.withStack(x.stack().withState(e.getMessage())));
            throw e;
        }
        store.change(c.name(), x -> x.withStack(x.stack().withState(SETUP_OK)));
    }

    /** Slurm's view of the cluster's nodes, grouped by state, or why it cannot be had. */
    String stackStates(Cluster c) {
        try (Remote r = new Remote(ctx.home(), c)) {
            Map<String, String> states = new java.util.TreeMap<>();
            SlurmStack.states(r).forEach((n, x) -> states.put(n, x.state()));
            return states.isEmpty() ? "no answer from Slurm on the manager" : Slurm.summary(states);
        } catch (CmsException e) {
            return "unknown: " + e.getMessage();
        }
    }

    /** The cloud's image entry that carries {@code stack} ({@code stacks: [slurm]} in cloudmesh.cloud.CLOUD.images). */
    private static String stackImage(ProviderConfig cfg, String stack) {
        for (var e : cfg.settingMap("images").entrySet()) {
            if (e.getValue() instanceof Map<?, ?> m && m.get("stacks") instanceof List<?> l && l.contains(stack)) return String.valueOf(e.getKey());
        }
        throw new CmsException("cloud '" + cfg.name() + "' names no image with the " + stack + " stack: give --image IMAGE (with "
                + "slurm-wlm and munge), or list it in an entry of " + ProviderConfig.PREFIX + cfg.name() + ".images (stacks: [" + stack + "])");
    }

    /** A key of the cloud's image entry {@code image}, if it has one. */
    private static Optional<String> imageSetting(ProviderConfig cfg, String image, String key) {
        if (cfg.settingMap("images").get(image) instanceof Map<?, ?> m && m.get(key) != null) return Optional.of(String.valueOf(m.get(key)));
        return Optional.empty();
    }

    /**
     * Waits (up to addressWait) until the manager answers ssh, and the nodes that cms can reach itself (on their own
     * forwarded ports, beside the manager), saying every 10 s what it waits for: a VM just booted takes a while before
     * its sshd runs. Other nodes are the manager's to reach: setup names those it cannot.
     */
    private void awaitSsh(Cluster c) {
        Map<String, String> waiting = new LinkedHashMap<>();
        for (Member m : c.members()) {
            if (!Node.RUNNING.equals(m.state())) continue;
            if (m.manager() && m.address() != null) waiting.put(m.name(), m.address() + ":" + m.port(c.port()));
            else if (m.sshPort() != null && m.publicIp() != null) waiting.put(m.name(), m.publicIp() + ":" + m.sshPort());
        }
        long start = System.nanoTime();
        long note = 10;
        while (true) {
            waiting.values().removeIf(a -> SshClient.answers(a.substring(0, a.lastIndexOf(':')),
                    Integer.parseInt(a.substring(a.lastIndexOf(':') + 1))));
            if (waiting.isEmpty()) return;
            long waited = (System.nanoTime() - start) / 1_000_000_000L;
            String names = Hostlist.compress(List.copyOf(waiting.keySet()));
            if (waited >= addressWait.toSeconds()) {
                String why = names + " did not answer ssh at " + String.join(", ", waiting.values()) + " after " + waited + " s";
                store.change(c.name(), x -> x.withSetup(why));
                throw new CmsException("cluster '" + c.name() + "': " + why + " (look at a console: 'vm console "
                        + waiting.keySet().iterator().next() + "' on a libvirt cloud)");
            }
            if (waited >= note) {
                ctx.err().println("cluster " + c.name() + ": waiting for ssh on " + names + " (" + waited + " s)");
                ctx.err().flush();
                note = waited + 10;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for the VMs of cluster '" + c.name() + "' to answer ssh");
            }
        }
    }

    /** The cluster with its VMs' addresses, asking the cloud every 2 s while a running VM has none, up to addressWait. */
    private Cluster withAddresses(Compute compute, Cluster c) {
        long deadline = System.nanoTime() + addressWait.toNanos();
        Cluster now = c;
        while (true) {
            boolean missing = now.members().stream().anyMatch(m -> (Node.RUNNING.equals(m.state()) || Node.BOOTING.equals(m.state()))
                    && m.address() == null);
            if (!missing) return now;
            now = refresh(compute, now);
            missing = now.members().stream().anyMatch(m -> (Node.RUNNING.equals(m.state()) || Node.BOOTING.equals(m.state()))
                    && m.address() == null);
            if (!missing || System.nanoTime() > deadline) return now;
            try {
                TimeUnit.SECONDS.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for the addresses of cluster '" + c.name() + "'");
            }
        }
    }

    /** Reads the cluster's VMs from its cloud and records what changed; a VM gone from the cloud is undefined. */
    Cluster refresh(Compute compute, Cluster c) {
        Map<String, Vm> vms = new LinkedHashMap<>();
        for (Vm vm : compute.list()) vms.put(vm.name(), vm);
        return store.change(c.name(), x -> {
            List<Member> ms = new ArrayList<>();
            for (Member m : x.members()) {
                Vm vm = vms.get(m.name());
                if (vm != null) ms.add(member(vm, m));
                else if (Node.FAILED.equals(m.state()) || Node.BOOTING.equals(m.state())) ms.add(m);
                else ms.add(m.withState(Node.UNDEFINED, "gone from cloud " + x.cloud()));
            }
            return x.withMembers(ms);
        });
    }

    /** The cluster after asking its cloud (store clusters), as the NIST model shows it. */
    VirtualCluster info(String name, boolean refresh) {
        Names.require("cluster", name);
        Optional<Cluster> c = store.get(name);
        if (c.isEmpty()) {
            return backendCluster(name).map(Map.Entry::getValue)
                    .orElseThrow(() -> new CmsException("unknown cluster '" + name + "': see 'cluster list'"));
        }
        if (!refresh) return view(c.get());
        ProviderConfig cfg = ProviderConfig.of(ctx.config(), c.get().cloud());
        try (Compute compute = provider(cfg).open(cfg)) {
            return view(refresh(compute, c.get()));
        }
    }

    /** The ssh config the manager uses to reach the nodes: ~/.cms/cluster/NAME/ssh_config. */
    static String managerSshConfig(Cluster c) {
        String d = "~/" + Remote.dir(c.name());
        StringBuilder b = new StringBuilder("# cms cluster " + c.name() + ": the manager's ssh config for its nodes (written by cms)\n");
        for (Member m : c.nodes()) {
            if (m.address() == null) continue;
            b.append("Host ").append(m.name()).append('\n')
                    .append("  HostName ").append(m.address()).append('\n')
                    .append("  HostKeyAlias ").append(m.name()).append('\n');
            if (m.sshPort() != null) b.append("  Port ").append(m.sshPort()).append('\n');
            b.append("  ControlPath ").append(d).append("/mux-").append(muxId(c, m)).append('\n');
        }
        b.append("Host *\n")
                .append("  Port ").append(c.port()).append('\n')
                .append("  User ").append(c.user()).append('\n')
                .append("  IdentityFile ").append(d).append("/id_ed25519\n")
                .append("  IdentitiesOnly yes\n")
                .append("  UserKnownHostsFile ").append(d).append("/known_hosts\n")
                .append("  StrictHostKeyChecking accept-new\n")
                .append("  BatchMode yes\n")
                .append("  ConnectTimeout 10\n")
                .append("  ServerAliveInterval 15\n")
                .append("  ControlMaster auto\n")
                .append("  ControlPath ").append(d).append("/mux-%C\n")
                .append("  ControlPersist 600\n")
                .append("  LogLevel ERROR\n");
        return b.toString();
    }

    /**
     * One multiplexed connection per node, named by a hash of what it connects to (node, address, port, user): a
     * node re-created at another address never reuses the old connection, and the path stays short enough for a
     * Unix socket whatever the names.
     */
    static String muxId(Cluster c, Member m) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest((m.name() + "|" + m.address() + "|" + m.port(c.port())
                    + "|" + c.user()).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** /etc/hosts lines for the cluster: the manager and every node with an address. */
    static String hostsFile(Cluster c) {
        StringBuilder b = new StringBuilder("# cms cluster " + c.name() + "\n");
        for (Member m : c.members()) {
            String ip = m.hostsAddress();
            if (ip != null) b.append(ip).append('\t').append(m.name()).append(m.manager() ? "\tmanager" : "").append('\n');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------------ NIST view

    static VirtualCluster view(Cluster c) {
        Node manager = c.manager().map(Clusters::node).orElse(null);
        return new VirtualCluster(c.name(), c.description(), c.owner(), c.project(), c.cloud(), manager,
                c.nodes().stream().map(Clusters::node).toList());
    }

    static Node node(Member m) {
        List<Nic> nics = new ArrayList<>();
        if (m.publicIp() != null) nics.add(new Nic(m.mac(), m.publicIp()));
        if (m.privateIp() != null) nics.add(new Nic(m.publicIp() == null ? m.mac() : null, m.privateIp()));
        if (nics.isEmpty() && m.mac() != null) nics.add(new Nic(m.mac(), null));
        return new Node(m.name(), m.state(), m.ncpu(), Node.mib(m.ramMib()), null, nics);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    Vm vmOf(Cluster c, Member m) {
        return new Vm(m.name(), c.cloud(), c.kind(), m.id(), m.state(), c.image(), m.flavor(), m.publicIp(), m.privateIp(),
                c.user(), null, Map.of());
    }

    ComputeProvider provider(ProviderConfig cfg) {
        List<String> kinds = new ArrayList<>();
        for (ComputeProvider p : ctx.extensions(ComputeProvider.class)) {
            if (p.kind().equals(cfg.kind())) return p;
            kinds.add(p.kind());
        }
        throw new CmsException("cloud '" + cfg.name() + "' is of kind '" + cfg.kind() + "', but no plugin provides that kind"
                + " (installed kinds: " + (kinds.isEmpty() ? "none" : kinds.stream().sorted().collect(Collectors.joining(", ")))
                + "); install the " + cfg.kind() + " plugin in the plugins folder");
    }

    String clouds() {
        List<String> names = new ArrayList<>(ProviderConfig.clouds(ctx.config()));
        for (ClusterBackend b : backends()) {
            for (Object e : ctx.config().getMap("cloudmesh." + b.kind() + ".endpoints").keySet()) {
                if (b.serves(ctx, String.valueOf(e))) names.add(e + " (" + b.kind() + ")");
            }
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static List<String> taken(Compute compute, List<String> names) {
        Set<String> atCloud = compute.list().stream().filter(v -> !Vm.TERMINATED.equals(v.state())).map(Vm::name)
                .collect(Collectors.toSet());
        return names.stream().filter(atCloud::contains).toList();
    }

    static String requireNodeName(String cluster, String n) {
        Names.require("node", n);
        if (n.equals(VirtualCluster.MANAGER) || n.equals(cluster + "-manager")) {
            throw new CmsException("a compute node cannot be named '" + n + "': that name addresses the manager");
        }
        return n;
    }

    static String keyName(String cluster) {
        return "cms-cluster-" + cluster;
    }

    private Optional<String> resolve(String what, String option, ProviderConfig cfg) {
        if (option != null && !option.isBlank()) return Optional.of(option.strip());
        Optional<String> var = ctx.variables().get(what).filter(v -> !v.isBlank());
        if (var.isPresent()) return var;
        return cfg.defaultValue(what);
    }

    private static CmsException missing(String what, String cloud) {
        return new CmsException("no " + what + " for cloud '" + cloud + "': give --" + what + ", 'set " + what
                + "=VALUE', or set " + ProviderConfig.PREFIX + cloud + ".default." + what);
    }

    private static int sshPort(ProviderConfig cfg) {
        String p = cfg.defaultValue("ssh_port").orElse("22");
        try {
            int port = Integer.parseInt(p);
            if (port > 0 && port < 65536) return port;
        } catch (NumberFormatException e) {
            // below
        }
        throw new CmsException(ProviderConfig.PREFIX + cfg.name() + ".default.ssh_port '" + p + "' is not a port number");
    }

    /** The login user of an image, guessed as cloudmesh does. */
    static String guessUser(String image) {
        String i = image.toLowerCase(Locale.ROOT);
        if (i.startsWith("cc-")) return "cc";
        if (i.contains("ubuntu") || i.contains("wily") || i.contains("xenial")) return "ubuntu";
        if (i.startsWith("oracle")) return "opc";
        return "root";
    }

    /**
     * --key (a key name of 'key list', or a private key file or its .pub), else the cloud's default key, else variable
     * key, else the first key cms knows, else ~/.ssh/id_ed25519 or id_rsa; a new user without any key gets one made
     * (as 'key gen' would), and is told so.
     */
    private Path userKey(String option, ProviderConfig cfg) {
        KeyStore keys = new KeyStore(ctx.home());
        String k = option != null ? option : cfg.defaultValue("key").filter(v -> keys.all().containsKey(v) || Files.isReadable(privatePath(v)))
                .or(() -> ctx.variables().get("key").filter(v -> keys.all().containsKey(v))).orElse(null);
        if (k != null) {
            if (keys.all().containsKey(k)) return keys.all().get(k).privateKey();
            Path p = privatePath(k);
            if (!Files.isReadable(p)) throw new CmsException("--key " + k + ": neither a key of 'key list' nor a readable private key file " + p);
            return p.toAbsolutePath().normalize();
        }
        if (!keys.all().isEmpty()) return keys.all().values().iterator().next().privateKey();
        for (String f : List.of("id_ed25519", "id_rsa")) {
            Path p = Path.of(System.getProperty("user.home"), ".ssh", f);
            if (Files.isReadable(p)) return p;
        }
        String name = profileUser() != null ? profileUser() : "cms";
        KeyStore.Key made = keys.generate(name);
        ctx.variables().set("key", made.name());
        ctx.err().println("made ssh key " + made.name() + " (" + made.privateKey() + ") for the manager: it is the default key now (see 'key list')");
        ctx.err().flush();
        return made.privateKey();
    }

    private static Path privatePath(String k) {
        return Path.of(k.endsWith(".pub") ? k.substring(0, k.length() - 4) : k);
    }

    /** The OpenSSH public key of a private key file: PATH.pub, else derived with ssh-keygen -y. */
    static String publicKey(Path privateKey) {
        Path pub = Path.of(privateKey + ".pub");
        try {
            if (Files.isReadable(pub)) return Files.readString(pub).strip();
            return run(List.of("ssh-keygen", "-y", "-f", privateKey.toString())).strip();
        } catch (IOException e) {
            throw new CmsException("cannot read the public key of " + privateKey + ": " + e.getMessage());
        }
    }

    /** The cluster's own key pair (made with ssh-keygen): the nodes trust it, the manager holds it. */
    private static Path clusterKey(Path dir, String cluster) {
        Path key = dir.resolve("id_ed25519");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(key)) {
                run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", keyName(cluster), "-f", key.toString()));
            }
        } catch (IOException e) {
            throw new CmsException("cannot make the key pair of cluster '" + cluster + "' in " + dir + ": " + e.getMessage());
        }
        return key;
    }

    private static String run(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) throw new IOException(argv.get(0) + " failed: " + out.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }

    private String profileUser() {
        String u = ctx.config().getString("cloudmesh.profile.user").filter(x -> !x.isBlank() && !x.equals("TBD"))
                .orElse(System.getProperty("user.name"));
        return Names.isValid(u) ? u : null;
    }

    private String defaultProject() {
        return ctx.variables().get("project").filter(Names::isValid)
                .or(() -> ctx.config().getString("cloudmesh.profile.project").filter(Names::isValid)).orElse(null);
    }


    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover directory holds only this cluster's key; it is replaced if the name is used again
        }
    }
}
