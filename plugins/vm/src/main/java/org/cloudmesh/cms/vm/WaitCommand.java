package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.util.Hostlist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm wait [NAMES]}: until the VMs run and answer ssh. */
@Command(name = "wait", description = {"Wait until VMs NAMES run and (when they have an IP address) answer ssh;"
        + " says every 10 s which it still waits for."})
final class WaitCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2", description = "Seconds between two looks (default 2).") double interval;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "360", description = "Give up after this many seconds (default 360).") double timeout;

    @Override
    public Integer call() throws InterruptedException {
        if (interval <= 0 || timeout <= 0) throw new CmsException("--interval and --timeout must be positive seconds");
        try (Clouds clouds = new Clouds(ctx())) {
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
                        ctx().out().println(n + " is running (it has no IP address to reach it by)");
                        pending.remove(n);
                    } else if (SshClient.answers(vm.ip(), sshPort(vm))) {
                        ctx().out().println(n + " is available for ssh at " + vm.ip() + ":" + sshPort(vm));
                        pending.remove(n);
                    }
                }
                ctx().out().flush();
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
                    ctx().err().println("waiting for " + Hostlist.compress(pending) + " (" + waited + " s of " + (long) timeout + " s)");
                    ctx().err().flush();
                    nextNote = waited + 10;
                }
                Thread.sleep((long) (interval * 1000));
            }
        }
    }
}
