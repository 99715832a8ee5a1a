package org.cloudmesh.cms.api.rest;

import java.util.Map;

/**
 * What a route answers: a status, a body (serialised as JSON; a {@code String} with a content type other than JSON
 * is sent as is) and extra headers (Location for 201/202/303).
 */
public record RestReply(int status, Object body, String contentType, Map<String, String> headers) {
    public static final String JSON = "application/json";

    public RestReply {
        headers = Map.copyOf(headers);
    }

    public static RestReply ok(Object body) {
        return new RestReply(200, body, JSON, Map.of());
    }

    public static RestReply created(Object body, String location) {
        return new RestReply(201, body, JSON, Map.of("Location", location));
    }

    /** The change was accepted and happens in the background; {@code location} is where to watch it. */
    public static RestReply accepted(Object body, String location) {
        return new RestReply(202, body, JSON, Map.of("Location", location));
    }

    public static RestReply seeOther(String location) {
        return new RestReply(303, null, JSON, Map.of("Location", location));
    }

    public static RestReply noContent() {
        return new RestReply(204, null, JSON, Map.of());
    }

    public static RestReply text(String body, String contentType) {
        return new RestReply(200, body, contentType, Map.of());
    }
}
