package org.cloudmesh.cms.comet.iso;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import picocli.CommandLine.Model.CommandSpec;

/** How the iso, console, rename and stats commands reach the {@code comet} command that holds the shell's context. */
public final class Cmds {
    private Cmds() {
    }

    public static CometCommand root(CommandSpec spec) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof CometCommand c) return c;
        }
        throw new IllegalStateException("not under the comet command");
    }

    public static Context ctx(CommandSpec spec) {
        return root(spec).context();
    }

    public static Comet comet(CommandSpec spec) {
        return root(spec).service();
    }

    public static CometService service(CommandSpec spec, CometCommand.EndpointOption option) {
        return root(spec).backend(option == null ? null : option.endpoint);
    }

    /** Refuses a name that would reach a path, a remote shell or XML unvalidated. */
    public static String fail(String message) {
        throw new CmsException(message);
    }
}
