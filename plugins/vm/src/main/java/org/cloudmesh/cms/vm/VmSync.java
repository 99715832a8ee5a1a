package org.cloudmesh.cms.vm;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.util.Hostlist;

/** The VM cache against the clouds: which VMs a command means, and the cache brought up to what a cloud reports. */
final class VmSync {
    private static final Duration BOOTING_GRACE = Duration.ofMinutes(10);

    private final Context ctx;

    VmSync(Context ctx) {
        this.ctx = ctx;
    }

    private VmCache cache() {
        return new VmCache(ctx.home());
    }

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

    /**
     * The VMs with their addresses: a VM the cache knows no address of (just booted) is asked for at its cloud, again
     * every 2 s while it is still booting or pending, up to {@code limit}.
     */
    List<Vm> withAddresses(Clouds clouds, List<Vm> vms, Duration limit) {
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

    /**
     * Waits, up to {@code limit}, until every running VM with an address answers ssh (its banner) at its port: a VM
     * just booted or started runs before its sshd listens, and a port forwarded to it takes connections before then.
     * Says once on stderr which VMs it waits for. Returns when they answer or the time is up: a VM that does not answer
     * then fails at login with the reason.
     */
    void untilSshAnswers(List<Vm> vms, ToIntFunction<Vm> port, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Vm> pending = new ArrayList<>(vms.stream().filter(v -> v.ip() != null
                && (Vm.RUNNING.equals(v.state()) || Vm.BOOTING.equals(v.state()))).toList());
        boolean said = false;
        while (true) {
            pending.removeIf(v -> SshClient.answers(v.ip(), port.applyAsInt(v)));
            if (pending.isEmpty() || System.nanoTime() > deadline) return;
            if (!said) {
                ctx.err().println("waiting for " + Hostlist.compress(pending.stream().map(Vm::name).toList())
                        + " to answer ssh (booting?) ...");
                ctx.err().flush();
                said = true;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for ssh");
            }
        }
    }
}
