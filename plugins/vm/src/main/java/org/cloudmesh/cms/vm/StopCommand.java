package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;

/** {@code vm stop [NAMES]}. */
@Command(name = "stop", description = "Stop VMs NAMES (they keep their disks and can be started again).")
final class StopCommand extends PowerVerb {
    @Override
    String verb() {
        return "stop";
    }

    @Override
    Vm apply(Compute c, Vm vm) {
        return c.stop(vm);
    }
}
