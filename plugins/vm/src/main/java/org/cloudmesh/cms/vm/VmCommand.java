package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.ssh.KeyStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.KnownHosts;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "vm", description = {"Virtual machines on the cloud chosen with 'set cloud=NAME'.",
        "--cloud NAME chooses another cloud for one command without changing the variable.",
        "Clouds are the entries of cloudmesh.cloud in cloudmesh.yaml; cm.kind picks the provider plugin.",
        "NAMES is a hostlist (gregor-vm-[1-3],web1); without NAMES the last booted VM (variable vm) is meant."},
        footer = {"%nExamples:", "  set cloud=aws", "  vm boot", "  vm ssh --command hostname", "  vm boot --name web[1-3] --image ami-0abc --flavor t3.micro",
                "  vm list --refresh --output json", "  vm delete web[1-3]"})
public final class VmCommand {
    private static final Parallel PARALLEL = new Parallel(32, "interrupted; run 'vm list --refresh' to see what the cloud holds now");
    static final List<String> COLUMNS = List.of("name", "cloud", "state", "image", "flavor", "public_ip", "private_ip", "kind");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]*");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final Duration BOOTING_GRACE = Duration.ofMinutes(10);

    private final Context ctx;

    public VmCommand(Context ctx) {
        this.ctx = ctx;
    }

    VmCache cache() {
        return new VmCache(ctx.home());
    }

    // ------------------------------------------------------------------------------------------------ boot

    @Command(name = "boot", description = {"Boot VMs: --name NAMES (a hostlist) or --n COUNT names {user}-vm-{counter}.",
            "Each of image, flavor, key, secgroup, network, username: the option, else the variable of that name,"
                + " else cloudmesh.cloud.CLOUD.default. A name in use is refused (a terminated VM's is free). Sets variable vm to the last name."})
    int boot(@Option(names = "--name", paramLabel = "NAMES", description = "The VMs' names, a hostlist such as web[1-3] (default: {user}-vm-{counter}).") String nameOption,
             @Option(names = "--n", paramLabel = "COUNT", defaultValue = "1", description = "How many VMs to boot (default 1).") int count,
             @Option(names = "--cloud", paramLabel = "CLOUD", description = "The cloud (default: variable cloud).") String cloudOption,
             @Option(names = "--image", paramLabel = "IMAGE", description = "The image (default: variable image, else the cloud's default.image).") String image,
             @Option(names = "--flavor", paramLabel = "FLAVOR", description = "The size (default: variable flavor, else the cloud's default.flavor).") String flavor,
             @Option(names = "--key", paramLabel = "KEY", description = "A key of 'key list' for the login user (default: variable key, else the first key).") String key,
             @Option(names = "--secgroup", paramLabel = "SECGROUP", description = "The security group (default: variable secgroup, else the cloud's default).") String secgroup,
             @Option(names = "--network", paramLabel = "NETWORK", description = "libvirt: 'user' (ssh forwarded on 127.0.0.1) or a libvirt network; EC2: a subnet id.") String network,
             @Option(names = "--username", paramLabel = "USER", description = "The image's login user (default: the cloud's default.username, else guessed from the image).") String username,
             @Option(names = "--dryrun", description = "Show what would be booted; change nothing.") boolean dryrun,
             @Mixin OutputOption output) {
        if (count < 1 || count > 1000) throw new CmsException("--n " + count + ": give a count from 1 to 1000");
        try (Clouds clouds = new Clouds(ctx)) {
            String cloud = clouds.current(cloudOption);
            ProviderConfig cfg = clouds.config(cloud);
            clouds.provider(cfg.kind(), cloud); // the kind must be installed, even for a dry run
            String img = resolve("image", image, cfg).orElseThrow(() -> missing("image", cloud));
            String flv = resolve("flavor", flavor, cfg).orElseThrow(() -> missing("flavor", cloud));
            String keyName = resolve("key", key, cfg).orElse(null);
            KeyStore.Key k = keyName == null ? new KeyStore(ctx.home()).all().values().stream().findFirst().orElse(null)
                    : Optional.ofNullable(new KeyStore(ctx.home()).all().get(keyName)).orElseThrow(() -> new CmsException(
                    "unknown key '" + keyName + "': add it with 'key add --name " + keyName + " PATH' (see 'key list')"));
            if (k == null && !dryrun) k = firstKey();
            String sg = resolve("secgroup", secgroup, cfg).orElse(null);
            String net = resolve("network", network, cfg).orElse(null);
            String user = resolve("username", username, cfg).orElse(Usernames.guess(img, cloud));
            requireUser(user);

            VmCache cache = cache();
            Map<String, Vm> known = cache.all();
            List<String> names;
            NameCounter counter = null;
            if (nameOption != null) {
                names = Hostlist.expand(nameOption);
                if (count > 1) {
                    if (names.size() > 1) throw new CmsException("give either several --name NAMES or one --name with --n, not both");
                    String base = names.get(0);
                    names = new ArrayList<>();
                    for (int i = 0; i < count; i++) names.add(base + "-" + i);
                }
                for (String n : names) Names.require("VM", n);
                // a terminated VM never blocks its name, nor one the cloud still lists after cms ended it
                List<String> taken = names.stream().filter(n -> known.containsKey(n) && !Vm.TERMINATED.equals(known.get(n).state())).toList();
                if (taken.isEmpty() && !dryrun) {
                    Compute compute = clouds.open(cloud);
                    Set<String> atCloud = new LinkedHashSet<>();
                    Set<String> ended = cache.endedIds(cloud);
                    for (Vm vm : compute.list()) {
                        if (!Vm.TERMINATED.equals(vm.state()) && !ended.contains(vm.id())) atCloud.add(vm.name());
                    }
                    taken = names.stream().filter(atCloud::contains).toList();
                }
                if (!taken.isEmpty()) {
                    throw new CmsException("vm " + Hostlist.compress(taken) + " already exists"
                            + (known.containsKey(taken.get(0)) ? " on cloud " + known.get(taken.get(0)).cloud() : "")
                            + ": choose other names (see 'vm list')");
                }
            } else {
                counter = new NameCounter(ctx.home());
                names = counter.next(profileUser(), count, known::containsKey, dryrun);
            }

            final KeyStore.Key key0 = k;
            String publicKey = k == null ? null : k.text();
            final List<String> toBoot = List.copyOf(names);
            if (dryrun) {
                for (String n : names) {
                    ctx.out().println("dryrun: would boot " + n + " on cloud " + cloud + " (kind " + cfg.kind() + "): image="
                            + img + " flavor=" + flv + " key=" + (key0 == null ? "none" : key0.name()) + " secgroup="
                            + (sg == null ? "default" : sg) + (net == null ? "" : " network=" + net) + " username=" + user);
                }
                return 0;
            }
            Compute compute;
            try {
                compute = clouds.open(cloud);
            } catch (RuntimeException e) {
                if (counter != null) counter.release();
                throw e;
            }
            String now = Instant.now().toString();
            // recorded before the cloud is asked: an interrupted boot leaves a tracked VM, never an untracked one
            cache.update(m -> {
                for (String n : toBoot) {
                    m.put(n, new Vm(n, cloud, cfg.kind(), null, Vm.BOOTING, img, flv, null, null, user, now, Map.of()));
                }
            });
            String keyUsed = key0 == null ? null : key0.name();
            List<Parallel.Outcome<String, Vm>> outcomes = PARALLEL.run(names, n -> {
                try {
                    Vm vm = compute.boot(new BootRequest(n, img, flv, keyUsed, publicKey, sg, net, user));
                    Vm recorded = new Vm(n, cloud, cfg.kind(), vm.id(), vm.state(), vm.image() == null ? img : vm.image(),
                            vm.flavor() == null ? flv : vm.flavor(), vm.publicIp(), vm.privateIp(), user,
                            vm.created() == null ? now : vm.created(), vm.details());
                    cache.put(recorded);
                    pinHostKey(recorded);
                    return recorded;
                } catch (RuntimeException e) {
                    cache.remove(n); // the cloud refused: nothing was created
                    throw e;
                }
            });
            List<Vm> booted = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (var o : outcomes) {
                if (o.ok()) booted.add(o.value());
                else errors.add(message(o.error()));
            }
            if (!booted.isEmpty()) {
                ctx.variables().set("vm", booted.get(booted.size() - 1).name());
                print(booted, output);
            }
            if (!errors.isEmpty()) {
                if (booted.isEmpty() && counter != null) counter.release(); // nothing booted: the names are free again
                for (int i = 1; i < errors.size(); i++) ctx.err().println("ERROR: " + errors.get(i));
                ctx.err().flush();
                throw new CmsException(errors.get(0) + (names.size() > 1 ? " (" + booted.size() + " of " + names.size()
                        + " VMs booted)" : ""));
            }
            return 0;
        }
    }

    /** A new user has no key at all: one is made (as 'key gen' would) and said so, instead of a VM nobody can log in to. */
    private KeyStore.Key firstKey() {
        String name = profileUser();
        KeyStore store = new KeyStore(ctx.home());
        KeyStore.Key k = store.generate(name);
        ctx.variables().set("key", k.name());
        ctx.err().println("made ssh key " + k.name() + " (" + k.privateKey() + ") for your VMs: it is the default key now (see 'key list')");
        ctx.err().flush();
        return k;
    }

    private Optional<String> resolve(String what, String option, ProviderConfig cfg) {
        if (option != null && !option.isBlank()) return Optional.of(option.strip());
        Optional<String> var = ctx.variables().get(what).filter(s -> !s.isBlank());
        if (var.isPresent()) return var;
        return cfg.defaultValue(what);
    }

    private static CmsException missing(String what, String cloud) {
        return new CmsException("no " + what + " for cloud '" + cloud + "': give --" + what + ", 'set " + what
                + "=VALUE', or set " + ProviderConfig.PREFIX + cloud + ".default." + what);
    }

    private String profileUser() {
        String user = ctx.config().getString("cloudmesh.profile.user").filter(u -> !u.isBlank() && !u.equals("TBD"))
                .orElse(System.getProperty("user.name"));
        if (!Names.isValid(user)) {
            throw new CmsException("cloudmesh.profile.user '" + user + "' cannot be part of a VM name: "
                    + "set it with 'config set cloudmesh.profile.user=NAME'");
        }
        return user;
    }

    // ------------------------------------------------------------------------------------------------ list, status, info

    @Command(name = "list", description = {"List VMs from the cache (all clouds, or those in --cloud CLOUDS).",
            "--refresh asks the clouds first (the chosen clouds, else the current cloud and those in the cache)."})
    int list(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
             @Option(names = "--cloud", paramLabel = "CLOUDS", description = "Only the VMs of these clouds (comma-separated).") String cloudOption,
             @Option(names = "--refresh", description = "Ask the clouds first instead of showing the cache.") boolean refresh,
             @Mixin OutputOption output) {
        Set<String> only = new LinkedHashSet<>();
        if (cloudOption != null) for (String c : cloudOption.split(",")) if (!c.isBlank()) only.add(c.strip());
        if (refresh) {
            try (Clouds clouds = new Clouds(ctx)) {
                Set<String> targets = new LinkedHashSet<>(only);
                if (targets.isEmpty()) {
                    ctx.variables().get("cloud").filter(s -> !s.isBlank()).ifPresent(targets::add);
                    for (Vm vm : cache().all().values()) targets.add(vm.cloud());
                }
                if (targets.isEmpty()) clouds.current(null); // says how to choose one
                for (String c : targets) refresh(clouds, c);
            }
        } else {
            for (String c : only) ProviderConfig.of(ctx.config(), c); // an unknown cloud is an error, not an empty list
        }
        Set<String> names = namesArg == null ? null : new LinkedHashSet<>(Hostlist.expand(namesArg));
        List<Vm> rows = new ArrayList<>();
        for (Vm vm : cache().all().values()) {
            if (!only.isEmpty() && !only.contains(vm.cloud())) continue;
            if (names != null && !names.contains(vm.name())) continue;
            rows.add(vm);
        }
        print(rows, output);
        return 0;
    }

    @Command(name = "status", description = "Ask the clouds for the state of VMs NAMES.")
    int status(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
               @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
               @Mixin OutputOption output) {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            Set<String> cloudNames = new LinkedHashSet<>();
            for (Vm vm : vms) cloudNames.add(vm.cloud());
            for (String c : cloudNames) refresh(clouds, c);
            Map<String, Vm> now = cache().all();
            List<Map<String, ?>> rows = new ArrayList<>();
            for (Vm vm : vms) {
                Vm current = now.getOrDefault(vm.name(), vm.withState("gone"));
                rows.add(current.toMap());
            }
            ctx.printer(output.format).list(List.of("name", "cloud", "state"), rows);
        }
        return 0;
    }

    @Command(name = "info", description = "Show everything cms records about VMs NAMES.")
    int info(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
             @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
             @Option(names = "--refresh", description = "Ask the clouds first instead of showing the cache.") boolean refresh,
             @Mixin OutputOption output) {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (refresh) {
                for (String c : vms.stream().map(Vm::cloud).distinct().toList()) refresh(clouds, c);
                Map<String, Vm> now = cache().all();
                vms = vms.stream().map(v -> now.getOrDefault(v.name(), v.withState("gone"))).toList();
            }
            Printer p = ctx.printer(output.format);
            if (vms.size() == 1 || p.format() == org.cloudmesh.cms.api.Format.TABLE) {
                for (Vm vm : vms) p.attributes(flat(vm));
            } else {
                p.list(new ArrayList<>(flat(vms.get(0)).keySet()), vms.stream().map(VmCommand::flat).toList());
            }
        }
        return 0;
    }

    private static Map<String, Object> flat(Vm vm) {
        Map<String, Object> m = vm.toMap();
        m.remove("details");
        vm.details().forEach(m::put);
        return m;
    }

    // ------------------------------------------------------------------------------------------------ power

    @Command(name = "start", description = "Start stopped VMs NAMES.")
    int start(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
              @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
              @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun, @Mixin OutputOption output) {
        return power("start", namesArg, cloudOption, dryrun, output, (c, vm) -> c.start(vm));
    }

    @Command(name = "stop", description = "Stop VMs NAMES (they keep their disks and can be started again).")
    int stop(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
             @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
             @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun, @Mixin OutputOption output) {
        return power("stop", namesArg, cloudOption, dryrun, output, (c, vm) -> c.stop(vm));
    }

    @Command(name = "terminate", description = "End VMs NAMES at the cloud; the cache keeps them as terminated.")
    int terminate(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
                  @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
                  @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun, @Mixin OutputOption output) {
        return power("terminate", namesArg, cloudOption, dryrun, output, (c, vm) -> {
            c.terminate(vm);
            forgetHostKey(vm);
            cache().ended(vm);
            return vm.withState(Vm.TERMINATED);
        });
    }

    @Command(name = "delete", description = {"End VMs NAMES at the cloud and forget them.",
            "Refuses when no name is given and variable vm is not set: it never deletes 'everything'."})
    int delete(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
               @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
               @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun) {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (dryrun) {
                for (Vm vm : vms) ctx.out().println("dryrun: would delete " + vm.name() + " on cloud " + vm.cloud());
                return 0;
            }
            VmCache cache = cache();
            List<Parallel.Outcome<Vm, Vm>> outcomes = PARALLEL.run(vms, vm -> {
                if (!Vm.TERMINATED.equals(vm.state())) clouds.open(vm.cloud()).terminate(vm);
                forgetHostKey(vm);
                cache.forget(vm);
                return vm;
            });
            List<String> errors = new ArrayList<>();
            for (var o : outcomes) {
                if (o.ok()) ctx.out().println("deleted " + o.item().name() + " on cloud " + o.item().cloud());
                else errors.add(message(o.error()));
            }
            ctx.variables().get("vm").filter(v -> vms.stream().anyMatch(vm -> vm.name().equals(v))
                    && !cache.all().containsKey(v)).ifPresent(v -> ctx.variables().delete("vm"));
            failIfAny(errors);
        }
        return 0;
    }

    private interface Action {
        Vm apply(Compute c, Vm vm);
    }

    private int power(String verb, String namesArg, String cloudOption, boolean dryrun, OutputOption output, Action action) {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (dryrun) {
                for (Vm vm : vms) ctx.out().println("dryrun: would " + verb + " " + vm.name() + " on cloud " + vm.cloud());
                return 0;
            }
            VmCache cache = cache();
            List<Parallel.Outcome<Vm, Vm>> outcomes = PARALLEL.run(vms, vm -> {
                Vm after = action.apply(clouds.open(vm.cloud()), vm);
                Vm merged = merge(vm, after);
                cache.put(merged);
                if (Vm.RUNNING.equals(merged.state())) pinHostKey(merged); // a start may have moved its forwarded port
                return merged;
            });
            List<Vm> done = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (var o : outcomes) {
                if (o.ok()) done.add(o.value());
                else errors.add(message(o.error()));
            }
            if (!done.isEmpty()) ctx.printer(output.format).list(List.of("name", "cloud", "state"), done.stream().map(Vm::toMap).toList());
            failIfAny(errors);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ wait, ping

    @Command(name = "wait", description = {"Wait until VMs NAMES run and (when they have an IP address) answer ssh;"
            + " says every 10 s which it still waits for."})
    int waitFor(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
                @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
                @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2", description = "Seconds between two looks (default 2).") double interval,
                @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "360", description = "Give up after this many seconds (default 360).") double timeout) throws InterruptedException {
        if (interval <= 0 || timeout <= 0) throw new CmsException("--interval and --timeout must be positive seconds");
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            long started = System.nanoTime();
            long deadline = started + (long) (timeout * 1e9);
            long nextNote = 10;
            Set<String> pending = new LinkedHashSet<>(vms.stream().map(Vm::name).toList());
            Map<String, Vm> now = Map.of();
            while (true) {
                for (String c : vms.stream().map(Vm::cloud).distinct().toList()) refresh(clouds, c);
                now = cache().all();
                for (String n : new ArrayList<>(pending)) {
                    Vm vm = now.get(n);
                    if (vm == null) throw new CmsException("vm " + n + " is gone from its cloud");
                    if (Vm.TERMINATED.equals(vm.state())) throw new CmsException("vm " + n + " is terminated");
                    if (!Vm.RUNNING.equals(vm.state())) continue;
                    if (vm.ip() == null) {
                        ctx.out().println(n + " is running (it has no IP address to reach it by)");
                        pending.remove(n);
                    } else if (SshClient.answers(vm.ip(), sshPort(vm))) {
                        ctx.out().println(n + " is available for ssh at " + vm.ip() + ":" + sshPort(vm));
                        pending.remove(n);
                    }
                }
                ctx.out().flush();
                if (pending.isEmpty()) return 0;
                if (System.nanoTime() > deadline) {
                    String first = pending.iterator().next();
                    Vm vm = now.get(first);
                    throw new CmsException("vm " + Hostlist.compress(pending) + " unavailable after timeout of "
                            + (long) timeout + " s (state " + Optional.ofNullable(vm).map(Vm::state).orElse("?")
                            + (vm != null && vm.ip() != null ? ", no ssh answer at " + vm.ip() + ":" + sshPort(vm) : "")
                            + "): look at its console with 'vm console " + first + "'");
                }
                long waited = (System.nanoTime() - started) / 1_000_000_000L;
                if (waited >= nextNote) {
                    ctx.err().println("waiting for " + Hostlist.compress(pending) + " (" + waited + " s of " + (long) timeout + " s)");
                    ctx.err().flush();
                    nextNote = waited + 10;
                }
                Thread.sleep((long) (interval * 1000));
            }
        }
    }


    @Command(name = "ping", description = "Ping VMs NAMES (the system ping, COUNT packets each).")
    int ping(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
             @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
             @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Packets per VM (default 1).") int count) {
        if (count < 1 || count > 100) throw new CmsException("--count " + count + ": give 1 to 100");
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            List<Parallel.Outcome<Vm, String[]>> outcomes = PARALLEL.run(vms, vm -> {
                String ip = requireIp(vm);
                try {
                    Process p = new ProcessBuilder("ping", "-c", Integer.toString(count), "-W", "2", ip)
                            .redirectErrorStream(true).start();
                    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    return new String[] {Integer.toString(p.waitFor()), text};
                } catch (IOException e) {
                    throw new CmsException("cannot run ping: " + e.getMessage() + " (install iputils-ping)");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CmsException("interrupted");
                }
            });
            int worst = 0;
            for (var o : outcomes) {
                if (!o.ok()) {
                    ctx.err().println(o.item().name() + ": ERROR: " + message(o.error()));
                    worst = Math.max(worst, 1);
                    continue;
                }
                for (String line : o.value()[1].split("\n")) if (!line.isBlank()) ctx.out().println(o.item().name() + ": " + line);
                worst = Math.max(worst, Integer.parseInt(o.value()[0]));
            }
            ctx.out().flush();
            ctx.err().flush();
            return worst;
        }
    }

    // ------------------------------------------------------------------------------------------------ ssh, put, get

    @Command(name = "ssh", description = {"Log in to VM NAME with the system ssh client, or with --command run COMMAND on"
                + " every VM of NAMES in parallel (output lines prefixed 'NAME: ', exit status the worst of them).",
            "Host keys are trusted on first use and pinned in $CLOUDMESH_HOME/known_hosts; a changed key refuses to connect.",
            "User: --username, else cloudmesh.cloud.CLOUD.default.username, else the one recorded at boot (guessed from the image)."})
    int ssh(@Parameters(paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
            @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption,
            @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default: the cloud's default.username, else the user recorded at boot).") String username,
            @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key,
            @Option(names = "--command", paramLabel = "COMMAND", description = "Run COMMAND on every VM of NAMES instead of logging in.") String command,
            @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Seconds COMMAND may take on each VM (default 60).") double timeout) throws IOException, InterruptedException {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = withAddresses(clouds, targets(clouds, namesArg, cloudOption), Duration.ofMillis((long) (timeout * 1000)));
            if (command == null) {
                if (vms.size() != 1) {
                    throw new CmsException("an interactive shell needs exactly one VM, not " + vms.size()
                            + ": give --command COMMAND to run on several");
                }
                SshTarget t = target(vms.get(0), username, key).ssh();
                List<String> argv = new ArrayList<>(List.of("ssh", "-o", "UserKnownHostsFile=" + knownHosts(),
                        "-o", "StrictHostKeyChecking=accept-new", "-p", Integer.toString(t.port()),
                        "-i", t.keyFile().toString(), "-o", "IdentitiesOnly=yes", "-l", t.user(), "--", t.host()));
                ctx.out().flush();
                Process p = new ProcessBuilder(argv).inheritIO().start();
                return p.waitFor();
            }
            if (command.isBlank()) throw new CmsException("--command is empty: give the command to run");
            Duration limit = Duration.ofMillis((long) (timeout * 1000));
            List<Target> targets = new ArrayList<>();
            for (Vm vm : vms) targets.add(target(vm, username, key));
            int[] worst = {0};
            try (SshClient client = new SshClient(knownHosts())) {
            PARALLEL.run(targets, t -> {
                int status;
                try {
                    ExecResult r = client.exec(t.ssh(), command, limit);
                    synchronized (worst) {
                        prefixed(ctx.out(), t.vm(), r.stdout());
                        prefixed(ctx.err(), t.vm(), r.stderr());
                        ctx.out().flush();
                        ctx.err().flush();
                    }
                    status = r.exitStatus() < 0 ? 255 : r.exitStatus();
                } catch (CmsException e) {
                    synchronized (worst) {
                        ctx.err().println(t.vm() + ": ERROR: " + e.getMessage());
                        ctx.err().flush();
                    }
                    status = 255;
                }
                synchronized (worst) {
                    worst[0] = Math.max(worst[0], status);
                }
                return status;
            });
            }
            return worst[0];
        }
    }

    @Command(name = "console", description = {"Attach to the serial console of VM NAME on a libvirt cloud: its boot messages"
            + " and login prompt, also when its network is down. Leave with Ctrl-] (the escape key of virsh console).",
            "With --link, print a one-time web address of its screen instead (served by 'cms server' on this machine)."})
    int console(@Parameters(paramLabel = "NAME", arity = "0..1", description = "The VM (default: variable vm).") String name,
                @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VM's cloud (default: the one cms recorded).") String cloudOption,
                @Option(names = "--link", description = "Print a web address that shows the VM's screen in a browser (noVNC"
                        + " through the 'cms server' of this machine): it opens once, within 60 s.") boolean link)
            throws IOException, InterruptedException {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = targets(clouds, name, cloudOption);
            if (vms.size() != 1) throw new CmsException("a console needs exactly one VM, not " + vms.size());
            Vm vm = vms.get(0);
            if (!"libvirt".equals(vm.kind())) {
                throw new CmsException("vm " + vm.name() + " is on cloud " + vm.cloud() + " of kind " + vm.kind()
                        + ": 'vm console' attaches to libvirt VMs; use the cloud's own console");
            }
            refresh(clouds, vm.cloud());
            Vm now = cache().all().get(vm.name());
            if (now == null) throw new CmsException("vm " + vm.name() + " is gone from cloud " + vm.cloud());
            if (!Vm.RUNNING.equals(now.state())) {
                throw new CmsException("vm " + vm.name() + " is not running (state " + now.state() + "): it has no console;"
                        + " start it with 'vm start " + vm.name() + "'");
            }
            String uri = now.details().get("uri");
            if (uri == null) throw new CmsException("vm " + vm.name() + ": cms does not know its hypervisor; run 'vm list --refresh'");
            if (link) {
                VmConsoles.display(uri, vm.name()); // says now when it has no display
                ConsoleLink l = new ConsoleLink(VmConsoles.KIND, vm.cloud(), vm.name(), null, ConsoleLinks.localUser(),
                        Instant.now().plus(ConsoleLinks.TTL));
                ctx.out().println("Console URL: " + ConsoleLinks.local(ctx.home(), l) + " (works once, within "
                        + ConsoleLinks.TTL.toSeconds() + " s)");
                ctx.out().flush();
                return 0;
            }
            ctx.out().flush();
            try {
                Process p = new ProcessBuilder("virsh", "-c", uri, "console", vm.name()).inheritIO().start();
                return p.waitFor();
            } catch (IOException e) {
                throw new CmsException("cannot run virsh: " + e.getMessage() + " (install libvirt-clients)");
            }
        }
    }

    private static void prefixed(java.io.PrintWriter w, String name, String text) {
        if (text.isEmpty()) return;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) continue;
            w.println(name + ": " + line);
        }
    }

    @Command(name = "put", description = "Copy local file SOURCE to DESTINATION on every VM of NAMES (sftp).")
    int put(@Parameters(index = "0", paramLabel = "SOURCE", description = "The local file to copy.") Path source,
            @Parameters(index = "1", paramLabel = "DESTINATION", description = "Where the file goes on each VM.") String destination,
            @Parameters(index = "2", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
            @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default as for 'vm ssh').") String username,
            @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key) {
        if (!Files.isRegularFile(source)) throw new CmsException("no file " + source + " to copy");
        return copy(namesArg, username, key, (r, t) -> {
            r.put(t.ssh(), source, destination);
            return t.vm() + ": " + source + " -> " + destination;
        });
    }

    @Command(name = "get", description = {"Copy SOURCE on every VM of NAMES to local DESTINATION (sftp);"
                + " with several VMs DESTINATION is a directory and each VM's copy goes to DESTINATION/NAME/FILE."})
    int get(@Parameters(index = "0", paramLabel = "SOURCE", description = "The file on the VMs.") String source,
            @Parameters(index = "1", paramLabel = "DESTINATION", description = "The local file, or with several VMs a directory (DESTINATION/NAME/FILE).") Path destination,
            @Parameters(index = "2", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg,
            @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default as for 'vm ssh').") String username,
            @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key) {
        List<Vm> peek = targets(null, namesArg, null);
        boolean many = peek.size() > 1;
        return copy(namesArg, username, key, (r, t) -> {
            Path to = destination;
            if (many) {
                try {
                    String base = source.substring(source.lastIndexOf('/') + 1);
                    if (base.isEmpty() || base.equals("..") || base.equals(".")) {
                        throw new CmsException("get " + source + ": name a file, not a directory");
                    }
                    to = Files.createDirectories(destination.resolve(t.vm())).resolve(base);
                } catch (IOException e) {
                    throw new CmsException("cannot create " + destination.resolve(t.vm()) + ": " + e.getMessage());
                }
            }
            r.get(t.ssh(), source, to);
            return t.vm() + ": " + source + " -> " + to;
        });
    }

    private interface Copy {
        String run(SshClient r, Target t);
    }

    private int copy(String namesArg, String username, String key, Copy copy) {
        try (Clouds clouds = new Clouds(ctx)) {
            List<Vm> vms = withAddresses(clouds, targets(clouds, namesArg, null), Duration.ofSeconds(60));
            List<Target> targets = new ArrayList<>();
            for (Vm vm : vms) targets.add(target(vm, username, key));
            List<String> errors = new ArrayList<>();
            try (SshClient client = new SshClient(knownHosts())) {
                for (var o : PARALLEL.run(targets, t -> copy.run(client, t))) {
                    if (o.ok()) ctx.out().println(o.value());
                    else errors.add(t(o.item().vm(), o.error()));
                }
            }
            failIfAny(errors);
        }
        return 0;
    }

    /**
     * A VM reached through a forwarded port leaves its pinned host key behind when it goes: the next VM given that port
     * has a key of its own and must not look like a man in the middle.
     */
    private void forgetHostKey(Vm vm) {
        String ssh = vm.details().get("ssh");
        int colon = ssh == null ? -1 : ssh.lastIndexOf(':');
        if (colon < 0 || !ssh.substring(colon + 1).matches("[0-9]{1,5}")) return;
        new KnownHosts(knownHosts()).forget(KnownHosts.hostName(ssh.substring(0, colon), Integer.parseInt(ssh.substring(colon + 1))));
    }

    /** A VM whose host key the cloud knows for sure (cms made it and seeded it) is pinned before the first login. */
    private void pinHostKey(Vm vm) {
        String key = vm.details().get("host_key");
        String ssh = vm.details().get("ssh");
        int colon = ssh == null ? -1 : ssh.lastIndexOf(':');
        if (key == null || colon < 0 || !ssh.substring(colon + 1).matches("[0-9]{1,5}")) return;
        String[] parts = key.split(" ");
        if (parts.length < 2) return;
        new KnownHosts(knownHosts()).pin(KnownHosts.hostName(ssh.substring(0, colon), Integer.parseInt(ssh.substring(colon + 1))),
                java.util.Base64.getDecoder().decode(parts[1]));
    }

    Path knownHosts() {
        return ctx.home().resolve("known_hosts");
    }

    /**
     * The VMs with their addresses: a VM the cache knows no address of (just booted) is asked for at its cloud, again
     * every 2 s while it is still booting or pending, up to {@code limit}.
     */
    private List<Vm> withAddresses(Clouds clouds, List<Vm> vms, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Vm> current = vms;
        while (true) {
            List<String> missing = current.stream().filter(v -> v.ip() == null).map(Vm::cloud).distinct().toList();
            if (missing.isEmpty()) return current;
            for (String c : missing) refresh(clouds, c);
            Map<String, Vm> now = cache().all();
            current = current.stream().map(v -> now.getOrDefault(v.name(), v)).toList();
            boolean waiting = current.stream().anyMatch(v -> v.ip() == null
                    && (Vm.PENDING.equals(v.state()) || Vm.BOOTING.equals(v.state())));
            if (!waiting || System.nanoTime() > deadline) return current;
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for an address");
            }
        }
    }

    /** A VM and where to log in to it. */
    record Target(String vm, SshTarget ssh) {
    }

    private static String t(String vm, RuntimeException e) {
        String m = message(e);
        return m.contains(vm) ? m : "vm " + vm + ": " + m;
    }

    private Target target(Vm vm, String usernameOption, String keyOption) {
        String ip = requireIp(vm);
        if (!HOST.matcher(ip).matches()) throw new CmsException("vm " + vm.name() + " has an odd address '" + ip + "'");
        Optional<ProviderConfig> cfg = configOf(vm.cloud());
        String user = usernameOption != null ? usernameOption
                : cfg.flatMap(c -> c.defaultValue("username")).orElse(
                vm.username() != null ? vm.username() : Usernames.guess(vm.image(), vm.cloud()));
        requireUser(user);
        Path key = privateKey(keyOption, cfg);
        if (key == null) throw new CmsException("no ssh key for vm " + vm.name() + ": give --key PATH or add one with 'key add PATH'");
        return new Target(vm.name(), new SshTarget(ip, sshPort(vm), user, key));
    }

    private static void requireUser(String user) {
        if (!USER.matcher(user).matches()) {
            throw new CmsException("user name '" + user + "' is not valid: use letters, digits, '.', '_' and '-'");
        }
    }

    private Optional<ProviderConfig> configOf(String cloud) {
        try {
            return Optional.of(ProviderConfig.of(ctx.config(), cloud));
        } catch (CmsException e) {
            return Optional.empty();
        }
    }

    /** The VM's own forwarded ssh port (user-mode networking), else the cloud's ssh_port, else 22. */
    private int sshPort(Vm vm) {
        String own = vm.details().get("ssh_port");
        if (own != null && own.matches("[0-9]{1,5}")) return Integer.parseInt(own);
        return sshPort(vm.cloud());
    }

    private int sshPort(String cloud) {
        String p = configOf(cloud).flatMap(c -> c.defaultValue("ssh_port")).orElse("22");
        try {
            int port = Integer.parseInt(p);
            if (port > 0 && port < 65536) return port;
        } catch (NumberFormatException e) {
            // below
        }
        throw new CmsException(ProviderConfig.PREFIX + cloud + ".default.ssh_port '" + p + "' is not a port number");
    }

    /** --key (a key name or a file), else variable key, else the cloud's default key, else the first known key. */
    private Path privateKey(String keyOption, Optional<ProviderConfig> cfg) {
        Map<String, KeyStore.Key> keys = new KeyStore(ctx.home()).all();
        String k = keyOption != null ? keyOption : ctx.variables().get("key").filter(s -> !s.isBlank())
                .orElse(cfg.flatMap(c -> c.defaultValue("key")).orElse(null));
        if (k == null) {
            if (!keys.isEmpty()) return keys.values().iterator().next().privateKey();
            for (String f : List.of("id_ed25519", "id_rsa")) {
                Path p = Path.of(System.getProperty("user.home"), ".ssh", f);
                if (Files.isReadable(p)) return p;
            }
            return null;
        }
        if (keys.containsKey(k)) return keys.get(k).privateKey();
        Path p = Path.of(k.endsWith(".pub") ? k.substring(0, k.length() - 4) : k);
        if (Files.isReadable(p)) return p;
        throw new CmsException("key '" + k + "' is neither a known key (see 'key list') nor a readable private key file");
    }

    private static String requireIp(Vm vm) {
        String ip = vm.ip();
        if (ip == null) {
            throw new CmsException("vm " + vm.name() + " has no IP address (state " + vm.state()
                    + "): wait for it with 'vm wait " + vm.name() + "' or check 'vm list --refresh'");
        }
        return ip;
    }

    // ------------------------------------------------------------------------------------------------ shared

    /**
     * The VMs NAMES (a hostlist; default the variable vm), each from the cache, else from its cloud (--cloud, else
     * the current cloud) after a refresh. Any unknown name is an error; nothing is done then.
     */
    List<Vm> targets(Clouds clouds, String namesArg, String cloudOption) {
        List<String> names;
        if (namesArg != null) {
            names = Hostlist.expand(namesArg);
        } else {
            String last = ctx.variables().get("vm").filter(s -> !s.isBlank()).orElseThrow(() -> new CmsException(
                    "no VM named: give NAMES (e.g. gregor-vm-[1-3]); variable vm (the last VM booted) is not set"));
            names = List.of(last);
        }
        Map<String, Vm> known = cache().all();
        List<String> unknown = names.stream().filter(n -> !known.containsKey(n)).toList();
        boolean cloudKnown = cloudOption != null || ctx.variables().get("cloud").filter(c -> !c.isBlank()).isPresent();
        if (!unknown.isEmpty() && clouds != null && cloudKnown) {
            String cloud = clouds.current(cloudOption);
            refresh(clouds, cloud);
            known.putAll(cache().all());
            unknown = names.stream().filter(n -> !known.containsKey(n)).toList();
        }
        if (!unknown.isEmpty()) {
            throw new CmsException("unknown vm " + Hostlist.compress(unknown) + ": nothing done (see 'vm list --refresh')");
        }
        List<Vm> vms = new ArrayList<>();
        for (String n : names) {
            Vm vm = known.get(n);
            if (cloudOption != null && !cloudOption.equals(vm.cloud())) {
                throw new CmsException("vm " + n + " is on cloud " + vm.cloud() + ", not " + cloudOption + ": nothing done");
            }
            vms.add(vm);
        }
        return vms;
    }

    /**
     * Replaces the cache's view of one cloud with what the cloud reports now. A listed VM is matched to its record by
     * the cloud's id first (a cloud may list it under another name: an instance without its Name tag is listed by
     * its id), by name only for a record whose id the cloud does not list (none yet: still booting); a matched record
     * keeps its name. A VM cms ended stays terminated, and a terminated VM cms holds no record of is not added: it
     * does not come back after 'vm delete', and its name stays free.
     */
    void refresh(Clouds clouds, String cloud) {
        ProviderConfig cfg = clouds.config(cloud);
        List<Vm> listed = clouds.open(cloud).list();
        Instant cutoff = Instant.now().minus(BOOTING_GRACE);
        VmCache cache = cache();
        Set<String> ended = cache.endedIds(cloud);
        cache.update(m -> {
            Map<String, String> byId = new HashMap<>();
            for (Vm vm : m.values()) if (cloud.equals(vm.cloud()) && vm.id() != null) byId.put(vm.id(), vm.name());
            Set<String> listedIds = new HashSet<>();
            for (Vm vm : listed) if (vm.id() != null) listedIds.add(vm.id());
            Map<String, Vm> fresh = new LinkedHashMap<>();
            List<Vm> unmatched = new ArrayList<>();
            for (Vm listedVm : listed) {
                Vm vm = listedVm.withCloud(cloud, cfg.kind());
                if (vm.id() != null && ended.contains(vm.id())) vm = vm.withState(Vm.TERMINATED);
                String name = vm.id() == null ? null : byId.get(vm.id());
                if (name != null && Vm.TERMINATED.equals(m.get(name).state())) vm = vm.withState(Vm.TERMINATED); // for good
                Vm same = m.get(vm.name());
                // by name: a record without an id yet, or one whose id the cloud no longer lists (ids it reports differently)
                if (name == null && same != null && cloud.equals(same.cloud()) && (same.id() == null || !listedIds.contains(same.id()))
                        && !Vm.TERMINATED.equals(vm.state())) {
                    name = vm.name();
                }
                if (name == null) unmatched.add(vm);
                else fresh.putIfAbsent(name, named(name, merge(m.get(name), vm)));
            }
            for (Vm vm : unmatched) {
                if (Vm.TERMINATED.equals(vm.state()) || fresh.containsKey(vm.name())) continue;
                Vm old = m.get(vm.name());
                if (old != null && !cloud.equals(old.cloud())) continue; // a same-named VM of another cloud stays
                fresh.put(vm.name(), vm);
            }
            m.values().removeIf(vm -> cloud.equals(vm.cloud()) && !fresh.containsKey(vm.name())
                    && !(Vm.BOOTING.equals(vm.state()) && created(vm).isAfter(cutoff)));
            m.putAll(fresh);
        });
    }

    private static Vm named(String name, Vm vm) {
        if (name.equals(vm.name())) return vm;
        return new Vm(name, vm.cloud(), vm.kind(), vm.id(), vm.state(), vm.image(), vm.flavor(), vm.publicIp(), vm.privateIp(),
                vm.username(), vm.created(), vm.details());
    }

    private static Instant created(Vm vm) {
        try {
            return Instant.parse(vm.created());
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    /** The cloud's fresh view, keeping what only cms knows (user name, boot time, image/flavor when unknown). */
    static Vm merge(Vm old, Vm fresh) {
        if (old == null) return fresh;
        return new Vm(fresh.name(), old.cloud() != null ? old.cloud() : fresh.cloud(), old.kind() != null ? old.kind() : fresh.kind(),
                fresh.id() != null ? fresh.id() : old.id(), fresh.state(),
                fresh.image() != null ? fresh.image() : old.image(), fresh.flavor() != null ? fresh.flavor() : old.flavor(),
                fresh.publicIp(), fresh.privateIp(), old.username() != null ? old.username() : fresh.username(),
                old.created() != null ? old.created() : fresh.created(), fresh.details().isEmpty() ? old.details() : fresh.details());
    }

    /** The listing; VMs reached through a forwarded port add where (ssh, as host:port) and their MAC. */
    private void print(Collection<Vm> vms, OutputOption output) {
        List<String> columns = new ArrayList<>(COLUMNS);
        boolean forwarded = vms.stream().anyMatch(v -> v.details().containsKey("ssh"));
        if (forwarded) columns.addAll(List.of("ssh", "mac"));
        ctx.printer(output.format).list(columns, vms.stream().map(v -> {
            Map<String, Object> m = v.toMap();
            if (forwarded) {
                m.put("ssh", v.details().get("ssh"));
                m.put("mac", v.details().get("mac"));
            }
            return (Map<String, ?>) m;
        }).toList());
    }

    private void failIfAny(List<String> errors) {
        if (errors.isEmpty()) return;
        for (int i = 1; i < errors.size(); i++) ctx.err().println("ERROR: " + errors.get(i));
        ctx.err().flush();
        throw new CmsException(errors.get(0));
    }

    static String message(RuntimeException e) {
        if (e instanceof CmsException) return e.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
