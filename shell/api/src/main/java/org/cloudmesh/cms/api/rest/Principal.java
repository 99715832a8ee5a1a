package org.cloudmesh.cms.api.rest;

import java.util.Set;

/** The user a request acts for: their projects decide which clusters they see (others answer 404). */
public record Principal(String user, Set<String> projects, boolean admin) {
    public static final Principal ANONYMOUS = new Principal("anonymous", Set.of(), false);

    public Principal {
        projects = Set.copyOf(projects);
    }

    /** Whether this user may see and change things that belong to {@code project}. */
    public boolean mayAccess(String project) {
        return admin || (project != null && projects.contains(project));
    }
}
