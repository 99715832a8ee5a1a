package org.cloudmesh.cms.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.util.Hostlist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cluster info NAME}: the cluster with the NIST fields, states read from the cloud. */
@Command(name = "info", description = {"Show a cluster with the NIST fields.",
        "Name, description, owner, manager and nodes with state, ncpu, ram, disk and",
        "nics (mac, ip); the states are read from the cloud first. --output json or",
        "yaml prints the NIST Virtualcluster object; table and csv one row per node."})
final class InfoCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        VirtualCluster vc = clusters().info(name, true);
        Format f = ctx().format(output.format);
        if (f == Format.JSON || f == Format.YAML) {
            ctx().printer(f).attributes(ClusterViews.nist(vc));
            return 0;
        }
        if (f == Format.TABLE) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", vc.name());
            a.put("description", vc.description());
            a.put("owner", vc.owner());
            a.put("project", vc.project());
            a.put("cloud", vc.cloud());
            a.put("manager", vc.manager() == null ? null : vc.manager().name());
            a.put("nodes", vc.nodes().isEmpty() ? "" : Hostlist.compress(vc.nodes().stream().map(Node::name).toList()));
            Clusters clusters = clusters();
            clusters.store().get(name).ifPresent(c -> {
                a.put("ssh setup", c.setup());
                if (c.stack() != null) {
                    a.put("stack", c.stack().name() + " (" + c.stack().state() + ")");
                    a.put(c.stack().name(), clusters.stackStates(c));
                }
            });
            ctx().printer(f).attributes(a);
        }
        ClusterViews.printNodes(ctx(), vc, f);
        return 0;
    }
}
