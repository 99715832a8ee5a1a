package org.cloudmesh.cms.vm;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.ParentCommand;

/** Common base of the {@code vm} subcommands: the context, the cache and what several verbs share. */
abstract class VmSub implements Callable<Integer> {
    static final Parallel PARALLEL = new Parallel(32, "interrupted; run 'vm list --refresh' to see what the cloud holds now");
    static final List<String> COLUMNS = List.of("name", "cloud", "state", "image", "flavor", "public_ip", "private_ip", "kind");

    @ParentCommand
    VmCommand parent;

    Context ctx() {
        return parent.ctx;
    }

    VmCache cache() {
        return new VmCache(ctx().home());
    }

    List<Vm> targets(Clouds clouds, String namesArg, String cloudOption) {
        return new VmSync(ctx()).targets(clouds, namesArg, cloudOption);
    }

    void refresh(Clouds clouds, String cloud) {
        new VmSync(ctx()).refresh(clouds, cloud);
    }

    /**
     * The VMs with their addresses, once each running one answers ssh (up to {@code limit}): so that 'vm boot' then
     * 'vm ssh' works without a 'vm wait' between them.
     */
    List<Vm> reachable(Clouds clouds, List<Vm> vms, Duration limit) {
        VmSync sync = new VmSync(ctx());
        long deadline = System.nanoTime() + limit.toNanos();
        List<Vm> found = sync.withAddresses(clouds, vms, limit);
        sync.untilSshAnswers(found, this::sshPort, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        return found;
    }

    VmLogins logins() {
        return new VmLogins(ctx());
    }

    Path knownHosts() {
        return logins().knownHosts();
    }

    void pinHostKey(Vm vm) {
        logins().pinHostKey(vm);
    }

    void forgetHostKey(Vm vm) {
        logins().forgetHostKey(vm);
    }

    int sshPort(Vm vm) {
        return logins().sshPort(vm);
    }

    VmLogins.Target target(Vm vm, String usernameOption, String keyOption) {
        return logins().target(vm, usernameOption, keyOption);
    }

    /** The listing; VMs reached through a forwarded port add where (ssh, as host:port) and their MAC. */
    void print(Collection<Vm> vms, OutputOption output) {
        List<String> columns = new ArrayList<>(COLUMNS);
        boolean forwarded = vms.stream().anyMatch(v -> v.details().containsKey("ssh"));
        if (forwarded) columns.addAll(List.of("ssh", "mac"));
        ctx().printer(output.format).list(columns, vms.stream().map(v -> {
            Map<String, Object> m = v.toMap();
            if (forwarded) {
                m.put("ssh", v.details().get("ssh"));
                m.put("mac", v.details().get("mac"));
            }
            return (Map<String, ?>) m;
        }).toList());
    }

    void failIfAny(List<String> errors) {
        if (errors.isEmpty()) return;
        for (int i = 1; i < errors.size(); i++) ctx().err().println("ERROR: " + errors.get(i));
        ctx().err().flush();
        throw new CmsException(errors.get(0));
    }

    static String message(RuntimeException e) {
        if (e instanceof CmsException) return e.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** The message of a VM's failure, naming the VM. */
    static String t(String vm, RuntimeException e) {
        String m = message(e);
        return m.contains(vm) ? m : "vm " + vm + ": " + m;
    }

    static void prefixed(PrintWriter w, String name, String text) {
        if (text.isEmpty()) return;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) continue;
            w.println(name + ": " + line);
        }
    }

    interface Copy {
        String run(SshClient r, VmLogins.Target t);
    }

    /** put and get: one sftp copy per VM of NAMES, in parallel; every failure is reported. */
    int copy(String namesArg, String username, String key, Copy copy) {
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = reachable(clouds, targets(clouds, namesArg, null), Duration.ofSeconds(60));
            List<VmLogins.Target> targets = new ArrayList<>();
            for (Vm vm : vms) targets.add(target(vm, username, key));
            List<String> errors = new ArrayList<>();
            try (SshClient client = new SshClient(knownHosts())) {
                for (var o : PARALLEL.run(targets, t -> copy.run(client, t))) {
                    if (o.ok()) ctx().out().println(o.value());
                    else errors.add(t(o.item().vm(), o.error()));
                }
            }
            failIfAny(errors);
        }
        return 0;
    }
}
