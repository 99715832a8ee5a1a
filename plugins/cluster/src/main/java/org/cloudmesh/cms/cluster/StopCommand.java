package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cluster stop NAME}: stop every VM, keeping the disks. */
@Command(name = "stop", description = {"Stop every VM of a cluster.", "They keep their disks; 'cluster start' resumes."})
final class StopCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster to stop") String name;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        ClusterViews.printNodes(ctx(), audited("cluster stop " + name, name, null, () -> clusters().power(name, false)), output.format);
        return 0;
    }
}
