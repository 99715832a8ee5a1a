package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;

/** {@code vm start [NAMES]}. */
@Command(name = "start", description = "Start stopped VMs NAMES.")
final class StartCommand extends PowerVerb {
    @Override
    String verb() {
        return "start";
    }

    @Override
    Vm apply(Compute c, Vm vm) {
        return c.start(vm);
    }
}
