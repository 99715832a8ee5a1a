package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm info [NAMES]}: everything cms records about VMs. */
@Command(name = "info", description = "Show everything cms records about VMs NAMES.")
final class InfoCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--refresh", description = "Ask the clouds first instead of showing the cache.") boolean refresh;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            if (refresh) {
                for (String c : vms.stream().map(Vm::cloud).distinct().toList()) refresh(clouds, c);
                Map<String, Vm> now = cache().all();
                vms = vms.stream().map(v -> now.getOrDefault(v.name(), v.withState("gone"))).toList();
            }
            Printer p = ctx().printer(output.format);
            if (vms.size() == 1 || p.format() == org.cloudmesh.cms.api.Format.TABLE) {
                for (Vm vm : vms) p.attributes(flat(vm));
            } else {
                p.list(new ArrayList<>(flat(vms.get(0)).keySet()), vms.stream().map(InfoCommand::flat).toList());
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
}
