package org.cloudmesh.cms.comet.computeset;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.store.Cluster;

/** Which of a cluster's allocations a computeset is charged to. */
public final class Allocations {
    private Allocations() {
    }

    /** The cluster's allocations, sorted. */
    public static List<String> of(Cluster c) {
        return new ArrayList<>(new TreeSet<>(c.allocations()));
    }

    /**
     * The allocation to charge: {@code requested} when it is one of the cluster's, else the cluster's only one;
     * null when the cluster has several and none was named (the REPL offers a menu, everyone else gets an error).
     */
    public static String choose(Cluster c, String requested) {
        List<String> list = of(c);
        if (list.isEmpty()) {
            throw new CmsException("No allocation available for the specified cluster " + c.name()
                    + ": the cluster has none (recreate it with --allocation)");
        }
        if (requested != null) {
            if (!list.contains(requested)) {
                throw new CmsException("allocation '" + requested + "' is not one of cluster " + c.name() + "'s: "
                        + String.join(", ", list));
            }
            return requested;
        }
        return list.size() == 1 ? list.get(0) : null;
    }
}
