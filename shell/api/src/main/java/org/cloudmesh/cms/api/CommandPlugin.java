package org.cloudmesh.cms.api;

import java.util.List;
import org.pf4j.ExtensionPoint;

/**
 * A plugin's contribution of top-level commands. Each returned object is a picocli
 * {@code @Command} instance (usually a {@code Callable<Integer>}); the shell adds it as a subcommand.
 * Commands receive the {@link Context} here, once, and must write only to {@code ctx.out()} / {@code ctx.err()}.
 */
public interface CommandPlugin extends ExtensionPoint {
    List<Object> commands(Context ctx);
}
