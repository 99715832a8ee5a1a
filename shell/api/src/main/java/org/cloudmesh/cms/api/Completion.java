package org.cloudmesh.cms.api;

import java.util.List;

/**
 * Implemented by a plugin's top-level command to offer values for positional parameters in the REPL's TAB
 * completion: names only the plugin knows (clusters, computeset ids). The shell asks the nearest command up the
 * command path that implements it, after picocli's own candidates (subcommands, options, enum values) found none.
 * It must answer from local state quickly and never throw; an unknown label answers an empty list.
 */
public interface Completion {
    /**
     * @param command the command path typed so far, without "cms" (e.g. {@code comet power on})
     * @param paramLabel the label of the positional parameter at the cursor (e.g. {@code CLUSTER})
     */
    List<String> candidates(String command, String paramLabel);
}
