package org.cloudmesh.cms.cluster;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.util.Hostlist;

/** What run, put and get share: the nodes they reach (--nodes) and the report of who failed. */
final class FanOut {
    private FanOut() {
    }

    /** --nodes (validated members; 'manager' is the manager), else every compute node that did not fail to boot. */
    static List<String> targets(Context ctx, Cluster c, String hostlist) {
        if (!Clusters.SETUP_OK.equals(c.setup())) {
            ctx.err().println("WARNING: cluster " + c.name() + ": ssh setup is not complete (" + c.setup() + "): run 'cluster setup "
                    + c.name() + "'");
        }
        if (hostlist == null) {
            List<String> all = c.nodes().stream().filter(m -> !Node.FAILED.equals(m.state())).map(Member::name).toList();
            if (all.isEmpty()) throw new CmsException("cluster '" + c.name() + "' has no nodes to run on: add some with 'cluster add " + c.name() + "'");
            return all;
        }
        List<String> names = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String n : Hostlist.expand(hostlist)) {
            String m = n.equals(VirtualCluster.MANAGER) ? c.manager().map(Member::name).orElse(n) : n;
            if (c.member(m).isPresent()) names.add(m);
            else unknown.add(n);
        }
        if (!unknown.isEmpty()) {
            throw new CmsException("cluster '" + c.name() + "' has no node " + Hostlist.compress(unknown) + ": see 'cluster info " + c.name() + "'");
        }
        return names;
    }

    /** Names the nodes that failed or could not be reached, on err. */
    static void summary(Context ctx, Map<String, Remote.Result> results) {
        List<String> failed = Remote.failures(results);
        if (!failed.isEmpty()) {
            ctx.err().println("FAILED on " + failed.size() + " of " + results.size() + " nodes: " + String.join(", ", failed));
        }
        ctx.out().flush();
        ctx.err().flush();
    }

    static void prefixed(PrintWriter w, String node, String text) {
        if (text.isEmpty()) return;
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) w.println(node + ": " + line);
        }
    }
}
