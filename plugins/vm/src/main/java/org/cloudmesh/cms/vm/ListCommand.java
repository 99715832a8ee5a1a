package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Hostlist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm list [NAMES]}: the VMs of the cache, or of the clouds with --refresh. */
@Command(name = "list", description = {"List VMs from the cache (all clouds, or those in --cloud CLOUDS).",
        "--refresh asks the clouds first (the chosen clouds, else the current cloud and those in the cache)."})
final class ListCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUDS", description = "Only the VMs of these clouds (comma-separated).") String cloudOption;
    @Option(names = "--refresh", description = "Ask the clouds first instead of showing the cache.") boolean refresh;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Set<String> only = new LinkedHashSet<>();
        if (cloudOption != null) for (String c : cloudOption.split(",")) if (!c.isBlank()) only.add(c.strip());
        if (refresh) {
            try (Clouds clouds = new Clouds(ctx())) {
                Set<String> targets = new LinkedHashSet<>(only);
                if (targets.isEmpty()) {
                    ctx().variables().get("cloud").filter(s -> !s.isBlank()).ifPresent(targets::add);
                    for (Vm vm : cache().all().values()) targets.add(vm.cloud());
                }
                if (targets.isEmpty()) clouds.current(null); // says how to choose one
                for (String c : targets) refresh(clouds, c);
            }
        } else {
            for (String c : only) ProviderConfig.of(ctx().config(), c); // an unknown cloud is an error, not an empty list
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
}
