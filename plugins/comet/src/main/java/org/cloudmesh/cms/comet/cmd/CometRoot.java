package org.cloudmesh.cms.comet.cmd;

import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code comet} command above a subcommand of another package (iso, console, rename, stats, init), and what it
 * holds: the shell's context, the control plane and the backend for an endpoint.
 */
public final class CometRoot {
    private CometRoot() {
    }

    /** The nearest {@code comet} command at or above {@code spec}. */
    private static CometCommand of(CommandSpec spec) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof CometCommand c) return c;
        }
        throw new IllegalStateException("not under the comet command");
    }

    public static Context context(CommandSpec spec) {
        return of(spec).context();
    }

    public static Comet comet(CommandSpec spec) {
        return of(spec).service();
    }

    /** The comet operations for {@code --endpoint} (null: the active endpoint), see {@link CometCommand#backend}. */
    public static CometService backend(CommandSpec spec, CometCommand.EndpointOption option) {
        return of(spec).backend(option == null ? null : option.endpoint);
    }
}
