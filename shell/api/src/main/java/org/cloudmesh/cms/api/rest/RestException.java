package org.cloudmesh.cms.api.rest;

import org.cloudmesh.cms.api.CmsException;

/**
 * An error answer: the server sends {@code {"code": status, "message": ..., "field": ...}} and never a stack trace.
 * A plain {@link CmsException} thrown by a route answers 400 with its message.
 */
public class RestException extends CmsException {
    private final int httpStatus;
    private final String field;

    public RestException(int httpStatus, String message, String field) {
        super(message);
        this.httpStatus = httpStatus;
        this.field = field;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }

    public static RestException badRequest(String message, String field) {
        return new RestException(400, message, field);
    }

    /** Also the answer for what exists but belongs to another project: no existence leak. */
    public static RestException notFound(String message) {
        return new RestException(404, message, null);
    }

    public static RestException conflict(String message) {
        return new RestException(409, message, null);
    }

    public static RestException unauthorized(String message) {
        return new RestException(401, message, null);
    }
}
