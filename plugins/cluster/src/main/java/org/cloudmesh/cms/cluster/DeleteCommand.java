package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster delete NAME [--yes]}: terminate every VM and forget the cluster. */
@Command(name = "delete", description = {"Terminate every VM of a cluster and forget it.",
        "Asks first at the prompt; scripts give --yes."})
final class DeleteCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster to delete") String name;
    @Option(names = "--yes", description = "do not ask") boolean yes;

    @Override
    public Integer call() {
        Names.require("cluster", name);
        if (!yes) {
            if (!ctx().interactive()) throw new CmsException("cluster delete " + name + " needs --yes when not at the prompt");
            if (!ctx().confirm("Delete cluster " + name + " and terminate all its VMs?")) {
                ctx().out().println("cluster " + name + " kept");
                return 1;
            }
        }
        audited("cluster delete " + name, name, null, () -> {
            clusters().delete(name);
            return null;
        });
        ctx().out().println("deleted cluster " + name);
        return 0;
    }
}
