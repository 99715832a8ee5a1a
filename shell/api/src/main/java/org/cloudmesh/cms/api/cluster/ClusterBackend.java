package org.cloudmesh.cms.api.cluster;

import java.util.List;
import java.util.Optional;
import org.cloudmesh.cms.api.Context;
import org.pf4j.ExtensionPoint;

/**
 * A place that keeps virtual clusters of its own, contributed by a plugin (comet: clusters on Slurm and libvirt).
 * The {@code cluster} plugin lists them next to its own clusters, creates one on it when {@code --cloud} names
 * something the backend {@link #serves}, and the server's {@code /virtualcluster} routes show and change them.
 * Failures are {@link org.cloudmesh.cms.api.CmsException}s with a one-line message.
 */
public interface ClusterBackend extends ExtensionPoint {
    /** What clusters of this backend are called, e.g. {@code comet}. */
    String kind();

    /** Whether {@code cloud} names a place of this backend (e.g. a comet endpoint of cloudmesh.yaml). */
    boolean serves(Context ctx, String cloud);

    /** Every cluster the backend keeps. */
    List<VirtualCluster> list(Context ctx);

    default Optional<VirtualCluster> find(Context ctx, String name) {
        return list(ctx).stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** What to create: names validated, {@code count} compute nodes (≥ 1); image and flavors may be null. */
    record CreateRequest(String name, String cloud, int count, String image, String flavor, String managerFlavor,
                         String project, String owner, String description) {
    }

    VirtualCluster create(Context ctx, CreateRequest request);

    void delete(Context ctx, String name);

    /** Starts the whole cluster (the manager and every node). */
    void start(Context ctx, String name);

    /** Stops the whole cluster, to save the allocation; it can be started again. */
    void stop(Context ctx, String name);
}
