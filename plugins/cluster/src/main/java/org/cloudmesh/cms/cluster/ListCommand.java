package org.cloudmesh.cms.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cluster list [--refresh]}: every cluster, comet's too. */
@Command(name = "list", description = {"List the clusters, comet's too.", "--refresh asks the clouds for the states first."})
final class ListCommand extends ClusterSub {
    @Option(names = "--refresh", description = "ask the clouds for the VMs' states first") boolean refresh;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        Clusters s = clusters();
        if (refresh) {
            for (Cluster c : s.store().list()) {
                try {
                    s.info(c.name(), true);
                } catch (CmsException e) {
                    ctx().err().println("WARNING: cluster " + c.name() + ": " + e.getMessage());
                }
            }
        }
        List<Map<String, ?>> rows = new ArrayList<>();
        for (VirtualCluster vc : s.all(true)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", vc.name());
            r.put("cloud", vc.cloud());
            r.put("project", vc.project());
            r.put("owner", vc.owner());
            r.put("manager", vc.manager() == null ? null : vc.manager().name());
            r.put("nodes", vc.nodes().size());
            r.put("state", ClusterViews.summary(vc));
            rows.add(r);
        }
        ctx().printer(output.format).list(ClusterViews.LIST_COLUMNS, rows);
        return 0;
    }
}
