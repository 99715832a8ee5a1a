package org.cloudmesh.cms.api.cluster;

import java.util.List;
import java.util.Set;

/**
 * A node of a virtual cluster (NIST {@code Node}). {@code state} is one of {@link #STATES}; {@code ram} and
 * {@code disk} carry their unit ({@code 2048MiB}, {@code 20GiB}); unknown values are null.
 */
public record Node(String name, String state, Integer ncpu, String ram, String disk, List<Nic> nics) {
    public static final String BOOTING = "booting";
    public static final String RUNNING = "running";
    public static final String STOPPING = "stopping";
    public static final String STOPPED = "stopped";
    public static final String PAUSED = "paused";
    public static final String FAILED = "failed";
    public static final String UNDEFINED = "undefined";
    public static final String UNKNOWN = "unknown";
    /** The power states a node can report (the OpenAPI document's enum). */
    public static final Set<String> STATES = Set.of(BOOTING, RUNNING, STOPPING, STOPPED, PAUSED, FAILED, UNDEFINED, UNKNOWN);

    public Node {
        nics = nics == null ? List.of() : List.copyOf(nics);
    }

    /** {@code 2048MiB} for a size in MiB, null for null. */
    public static String mib(Integer mib) {
        return mib == null ? null : mib + "MiB";
    }

    /** {@code 20GiB} for a size in GiB, null for null. */
    public static String gib(Integer gib) {
        return gib == null ? null : gib + "GiB";
    }
}
