package org.cloudmesh.cms.set;

import java.util.List;
import org.cloudmesh.cms.api.CommandPlugin;
import org.cloudmesh.cms.api.Context;
import org.pf4j.Extension;

/** The {@code set} plugin: {@code set} (alias {@code var}) for variables and {@code default} for defaults. */
@Extension
public final class SetPlugin implements CommandPlugin {
    @Override
    public List<Object> commands(Context ctx) {
        return List.of(new SetCommand(ctx), new DefaultCommand(ctx));
    }
}
