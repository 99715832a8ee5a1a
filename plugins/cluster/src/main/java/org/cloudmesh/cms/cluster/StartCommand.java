package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cluster start NAME}: start every VM of a stopped cluster. */
@Command(name = "start", description = "Start every VM of a stopped cluster.")
final class StartCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster to start") String name;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        ClusterViews.printNodes(ctx(), audited("cluster start " + name, name, null, () -> clusters().power(name, true)), output.format);
        return 0;
    }
}
