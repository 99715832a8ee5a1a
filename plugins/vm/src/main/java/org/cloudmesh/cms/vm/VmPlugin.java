package org.cloudmesh.cms.vm;

import java.util.List;
import org.cloudmesh.cms.api.CommandPlugin;
import org.cloudmesh.cms.api.Context;
import org.pf4j.Extension;

/** Contributes {@code vm} and {@code key}; the clouds themselves come from ComputeProvider plugins. */
@Extension
public final class VmPlugin implements CommandPlugin {
    @Override
    public List<Object> commands(Context ctx) {
        return List.of(new VmCommand(ctx), new KeyCommand(ctx));
    }
}
