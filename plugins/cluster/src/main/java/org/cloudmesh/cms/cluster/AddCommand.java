package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster add NAME [--count K]}: boot more nodes into a cluster. */
@Command(name = "add", description = {"Boot K more nodes and add them to the cluster.",
        "They are named on from the highest NAME-N and join the manager's ssh trust and hosts file."})
final class AddCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster that grows") String name;
    @Option(names = "--count", paramLabel = "K", defaultValue = "1", description = "number of nodes to add (default: ${DEFAULT-VALUE})") int count;
    @Option(names = "--setup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "extend ssh trust and the hosts file to them (--no-setup: boot and record only)") boolean setup;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "how long setup waits for the new VMs' addresses (default: ${DEFAULT-VALUE})") double wait;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "how long the stack's setup waits for the new nodes to register (default: ${DEFAULT-VALUE})") double timeout;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Clusters service = clusters(wait);
        service.stackWait = seconds(timeout, "--timeout");
        ClusterViews.printNodes(ctx(), audited("cluster add " + name + " --count " + count, name, null,
                () -> service.add(name, count, null, setup)), output.format);
        return 0;
    }
}
