package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** start, stop and terminate: one change of state per VM of NAMES, in parallel, the cache following. */
abstract class PowerVerb extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--dryrun", description = "Show what would be done; change nothing.") boolean dryrun;
    @Mixin OutputOption output;

    /** The verb, as the dry run says it. */
    abstract String verb();

    /** Changes one VM at its cloud; returns it as the cloud reports it after. */
    abstract Vm apply(Compute c, Vm vm);

    @Override
    public Integer call() {
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (dryrun) {
                for (Vm vm : vms) ctx().out().println("dryrun: would " + verb() + " " + vm.name() + " on cloud " + vm.cloud());
                return 0;
            }
            VmCache cache = cache();
            List<Parallel.Outcome<Vm, Vm>> outcomes = PARALLEL.run(vms, vm -> {
                Vm after = apply(clouds.open(vm.cloud()), vm);
                Vm merged = VmSync.merge(vm, after);
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
            if (!done.isEmpty()) ctx().printer(output.format).list(List.of("name", "cloud", "state"), done.stream().map(Vm::toMap).toList());
            failIfAny(errors);
        }
        return 0;
    }
}
