package org.cloudmesh.cms.cluster;

import java.util.List;
import org.cloudmesh.cms.api.CommandPlugin;
import org.cloudmesh.cms.api.Context;
import org.pf4j.Extension;

/** Contributes {@code cluster}; the clouds come from ComputeProvider plugins, comet's clusters from its ClusterBackend. */
@Extension
public final class ClusterPlugin implements CommandPlugin {
    @Override
    public List<Object> commands(Context ctx) {
        return List.of(new ClusterCommand(ctx));
    }
}
