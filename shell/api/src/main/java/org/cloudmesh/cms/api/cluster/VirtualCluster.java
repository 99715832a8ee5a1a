package org.cloudmesh.cms.api.cluster;

import java.util.List;

/**
 * A virtual cluster in the NIST model: a manager node (the login node, reachable from outside) and compute nodes
 * behind it. {@code cloud} (the cloud or comet endpoint it runs on) and {@code project} (who may see it) are cms's
 * additions to the NIST fields.
 */
public record VirtualCluster(String name, String description, String owner, String project, String cloud,
                             Node manager, List<Node> nodes) {
    /** The node name that addresses the manager in the NIST paths; no compute node may have it. */
    public static final String MANAGER = "manager";

    public VirtualCluster {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
