package org.cloudmesh.cms.comet.cmd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet ll [CLUSTER]}: one line per cluster. */
@Command(name = "ll", description = "List the clusters of the endpoint, one line each.")
final class LlCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Mixin
    OutputOption output;
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "Only this cluster (default: all of the endpoint).")
    String cluster;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        CometService s = svc();
        s.refresh(ctx().err());
        List<Cluster> clusters = cluster != null ? List.of(s.cluster(cluster)) : s.clusters();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Cluster c : clusters) {
            List<Node> nodes = s.nodes(c.name());
            List<String> computes = new ArrayList<>();
            Node fe = null;
            for (Node n : nodes) {
                if (n.frontend()) fe = n;
                else computes.add(n.name());
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", c.name());
            r.put("project", c.project());
            r.put("count", computes.size());
            r.put("nodes", Views.hostlist(computes));
            r.put("frontend", fe == null ? null : fe.name());
            r.put("frontend_state", fe == null ? null : fe.state());
            r.put("type", "VM");
            r.put("allocations", String.join(",", c.allocations()));
            r.put("description", c.description());
            rows.add(r);
        }
        ctx().printer(output.format).list(Views.columns("name", "project", "count", "nodes", "frontend",
                "frontend_state", "type", "allocations", "description"), rows);
        return 0;
    }
}
