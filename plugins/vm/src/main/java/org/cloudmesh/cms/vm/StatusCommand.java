package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm status [NAMES]}: the VMs' states as their clouds report them now. */
@Command(name = "status", description = "Ask the clouds for the state of VMs NAMES.")
final class StatusCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        try (Clouds clouds = new Clouds(ctx())) {
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
            ctx().printer(output.format).list(List.of("name", "cloud", "state"), rows);
        }
        return 0;
    }
}
