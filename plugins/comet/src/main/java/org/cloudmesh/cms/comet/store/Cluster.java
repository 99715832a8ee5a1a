package org.cloudmesh.cms.comet.store;

import java.util.List;

/**
 * A virtual cluster: a frontend and compute nodes, created on one endpoint, with the allocations it may charge, and
 * its software stack (null: none; see {@code stack.VcStack}).
 */
public record Cluster(long id, String name, String endpoint, String project, String description, String owner,
                      List<String> allocations, long created, String stack) {
}
