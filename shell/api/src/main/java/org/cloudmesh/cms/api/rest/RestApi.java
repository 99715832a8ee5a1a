package org.cloudmesh.cms.api.rest;

/**
 * Where a plugin registers its routes. Paths use {@code {name}} for path parameters, e.g.
 * {@code /virtualcluster/{name}/{node}}. Replies are JSON (Jackson) unless the handler says otherwise.
 */
public interface RestApi {
    void get(String path, RestHandler handler);

    void post(String path, RestHandler handler);

    void put(String path, RestHandler handler);

    void delete(String path, RestHandler handler);

    /** A GET anyone may call without credentials: only for documents such as {@code /openapi.yaml}. */
    void publicGet(String path, RestHandler handler);

    /**
     * Resolves the web console links of {@code kind} (see {@link org.cloudmesh.cms.api.console.ConsoleLinks}): the
     * server serves the page at {@code /console/TOKEN} and proxies the display the resolver finds. Servers without
     * web consoles (test doubles) refuse.
     */
    default void console(String kind, org.cloudmesh.cms.api.console.ConsoleResolver resolver) {
        throw new UnsupportedOperationException("this server has no web consoles");
    }
}
