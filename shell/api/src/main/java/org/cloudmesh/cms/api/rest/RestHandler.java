package org.cloudmesh.cms.api.rest;

/** One route. Throw {@link RestException} (or any CmsException, which becomes 400) to answer with an error. */
@FunctionalInterface
public interface RestHandler {
    RestReply handle(RestCall call);
}
