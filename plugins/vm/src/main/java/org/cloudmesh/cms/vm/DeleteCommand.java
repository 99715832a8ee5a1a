package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm delete [NAMES]}: end VMs and forget them. */
@Command(name = "delete", description = {"End VMs NAMES at the cloud and forget them.",
        "Refuses when no name is given and variable vm is not set: it never deletes 'everything'."})
final class DeleteCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun;

    @Override
    public Integer call() {
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (dryrun) {
                for (Vm vm : vms) ctx().out().println("dryrun: would delete " + vm.name() + " on cloud " + vm.cloud());
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
                if (o.ok()) ctx().out().println("deleted " + o.item().name() + " on cloud " + o.item().cloud());
                else errors.add(message(o.error()));
            }
            ctx().variables().get("vm").filter(v -> vms.stream().anyMatch(vm -> vm.name().equals(v))
                    && !cache.all().containsKey(v)).ifPresent(v -> ctx().variables().delete("vm"));
            failIfAny(errors);
        }
        return 0;
    }
}
