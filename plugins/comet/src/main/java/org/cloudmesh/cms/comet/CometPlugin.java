package org.cloudmesh.cms.comet;

import java.util.List;
import org.cloudmesh.cms.api.CommandPlugin;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.pf4j.Extension;

/** Contributes the {@code comet} command. */
@Extension
public final class CometPlugin implements CommandPlugin {
    @Override
    public List<Object> commands(Context ctx) {
        return List.of(new CometCommand(ctx));
    }
}
