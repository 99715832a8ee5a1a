package org.cloudmesh.cms.api.console;

import java.time.Instant;

/**
 * What a one-time web console link names: one node ({@code name}, null for a cluster's frontend) in one
 * {@code scope} (a comet cluster, a cloud) of one {@code kind} (the plugin that resolves it: "comet", "vm"),
 * asked for by {@code user} of {@code project} (null when no project owns it: a local VM), until {@code expires}.
 */
public record ConsoleLink(String kind, String scope, String name, String project, String user, Instant expires) {
    /** Where the link leads, for pages and the audit trail: "vm-vc1-0 of vc1". */
    public String what() {
        return (name == null ? "the frontend" : name) + " of " + scope;
    }
}
