package org.cloudmesh.cms.cluster;

import java.util.List;
import org.cloudmesh.cms.api.util.Hostlist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cluster remove NAME HOSTLIST}: terminate compute nodes. */
@Command(name = "remove", description = {"Terminate nodes of a cluster and forget them.", "HOSTLIST names compute nodes; the manager is never removed."})
final class RemoveCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Parameters(index = "1", paramLabel = "HOSTLIST", description = "the nodes to remove, e.g. lab-[3-4]") String hostlist;

    @Override
    public Integer call() {
        List<String> removed = audited("cluster remove " + name + " " + hostlist, name, hostlist, () -> clusters().remove(name, hostlist));
        ctx().out().println("removed " + Hostlist.compress(removed) + " from cluster " + name);
        return 0;
    }
}
