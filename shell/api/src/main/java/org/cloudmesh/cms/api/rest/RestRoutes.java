package org.cloudmesh.cms.api.rest;

import org.cloudmesh.cms.api.Context;
import org.pf4j.ExtensionPoint;

/**
 * Routes a plugin adds to {@code cms server}. The server calls this once at start-up; every route added with
 * {@link RestApi#get} and friends is behind the server's authentication (signed requests, see
 * {@code reference/vc-model.md} §2), and every state-changing call is written to the audit trail by the server.
 */
public interface RestRoutes extends ExtensionPoint {
    void routes(RestApi api, Context ctx);
}
