package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;

/** {@code vm terminate [NAMES]}: the cloud ends them, the cache keeps them as terminated. */
@Command(name = "terminate", description = "End VMs NAMES at the cloud; the cache keeps them as terminated.")
final class TerminateCommand extends PowerVerb {
    @Override
    String verb() {
        return "terminate";
    }

    @Override
    Vm apply(Compute c, Vm vm) {
        c.terminate(vm);
        forgetHostKey(vm);
        cache().ended(vm);
        return vm.withState(Vm.TERMINATED);
    }
}
