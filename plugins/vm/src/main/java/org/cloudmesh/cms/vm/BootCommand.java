package org.cloudmesh.cms.vm;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.KeyStore;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vm boot}: boot VMs on the current cloud, named by --name or counted. */
@Command(name = "boot", description = {"Boot VMs: --name NAMES (a hostlist) or --n COUNT names {user}-vm-{counter}.",
        "Each of image, flavor, key, secgroup, network, username: the option, else the variable of that name,"
            + " else cloudmesh.cloud.CLOUD.default. A name in use is refused (a terminated VM's is free). Sets variable vm to the last name."})
final class BootCommand extends VmSub {
    @Option(names = "--name", paramLabel = "NAMES", description = "The VMs' names, a hostlist such as web[1-3] (default: {user}-vm-{counter}).") String nameOption;
    @Option(names = "--n", paramLabel = "COUNT", defaultValue = "1", description = "How many VMs to boot (default 1).") int count;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The cloud (default: variable cloud).") String cloudOption;
    @Option(names = "--image", paramLabel = "IMAGE", description = "The image (default: variable image, else the cloud's default.image).") String image;
    @Option(names = "--flavor", paramLabel = "FLAVOR", description = "The size (default: variable flavor, else the cloud's default.flavor).") String flavor;
    @Option(names = "--key", paramLabel = "KEY", description = "A key of 'key list' for the login user (default: variable key, else the first key).") String key;
    @Option(names = "--secgroup", paramLabel = "SECGROUP", description = "The security group (default: variable secgroup, else the cloud's default).") String secgroup;
    @Option(names = "--network", paramLabel = "NETWORK", description = "libvirt: 'user' (ssh forwarded on 127.0.0.1) or a libvirt network; EC2: a subnet id.") String network;
    @Option(names = "--username", paramLabel = "USER", description = "The image's login user (default: the cloud's default.username, else guessed from the image).") String username;
    @Option(names = "--dryrun", description = "Show what would be booted; change nothing.") boolean dryrun;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        if (count < 1 || count > 1000) throw new CmsException("--n " + count + ": give a count from 1 to 1000");
        try (Clouds clouds = new Clouds(ctx())) {
            String cloud = clouds.current(cloudOption);
            ProviderConfig cfg = clouds.config(cloud);
            clouds.provider(cfg.kind(), cloud); // the kind must be installed, even for a dry run
            String img = resolve("image", image, cfg).orElseThrow(() -> missing("image", cloud));
            String flv = resolve("flavor", flavor, cfg).orElseThrow(() -> missing("flavor", cloud));
            String keyName = resolve("key", key, cfg).orElse(null);
            KeyStore.Key k = keyName == null ? new KeyStore(ctx().home()).all().values().stream().findFirst().orElse(null)
                    : Optional.ofNullable(new KeyStore(ctx().home()).all().get(keyName)).orElseThrow(() -> new CmsException(
                    "unknown key '" + keyName + "': add it with 'key add --name " + keyName + " PATH' (see 'key list')"));
            if (k == null && !dryrun) k = firstKey();
            String sg = resolve("secgroup", secgroup, cfg).orElse(null);
            String net = resolve("network", network, cfg).orElse(null);
            String user = resolve("username", username, cfg).orElse(Usernames.guess(img, cloud));
            VmLogins.requireUser(user);

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
                counter = new NameCounter(ctx().home());
                names = counter.next(profileUser(), count, known::containsKey, dryrun);
            }

            final KeyStore.Key key0 = k;
            String publicKey = k == null ? null : k.text();
            final List<String> toBoot = List.copyOf(names);
            if (dryrun) {
                for (String n : names) {
                    ctx().out().println("dryrun: would boot " + n + " on cloud " + cloud + " (kind " + cfg.kind() + "): image="
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
                ctx().variables().set("vm", booted.get(booted.size() - 1).name());
                print(booted, output);
            }
            if (!errors.isEmpty()) {
                if (booted.isEmpty() && counter != null) counter.release(); // nothing booted: the names are free again
                for (int i = 1; i < errors.size(); i++) ctx().err().println("ERROR: " + errors.get(i));
                ctx().err().flush();
                throw new CmsException(errors.get(0) + (names.size() > 1 ? " (" + booted.size() + " of " + names.size()
                        + " VMs booted)" : ""));
            }
            return 0;
        }
    }

    /** A new user has no key at all: one is made (as 'key gen' would) and said so, instead of a VM nobody can log in to. */
    private KeyStore.Key firstKey() {
        String name = profileUser();
        KeyStore store = new KeyStore(ctx().home());
        KeyStore.Key k = store.generate(name);
        ctx().variables().set("key", k.name());
        ctx().err().println("made ssh key " + k.name() + " (" + k.privateKey() + ") for your VMs: it is the default key now (see 'key list')");
        ctx().err().flush();
        return k;
    }

    private Optional<String> resolve(String what, String option, ProviderConfig cfg) {
        if (option != null && !option.isBlank()) return Optional.of(option.strip());
        Optional<String> var = ctx().variables().get(what).filter(s -> !s.isBlank());
        if (var.isPresent()) return var;
        return cfg.defaultValue(what);
    }

    private static CmsException missing(String what, String cloud) {
        return new CmsException("no " + what + " for cloud '" + cloud + "': give --" + what + ", 'set " + what
                + "=VALUE', or set " + ProviderConfig.PREFIX + cloud + ".default." + what);
    }

    private String profileUser() {
        String user = ctx().config().getString("cloudmesh.profile.user").filter(u -> !u.isBlank() && !u.equals("TBD"))
                .orElse(System.getProperty("user.name"));
        if (!Names.isValid(user)) {
            throw new CmsException("cloudmesh.profile.user '" + user + "' cannot be part of a VM name: "
                    + "set it with 'config set cloudmesh.profile.user=NAME'");
        }
        return user;
    }
}
