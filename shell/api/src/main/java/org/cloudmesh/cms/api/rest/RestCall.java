package org.cloudmesh.cms.api.rest;

import java.util.Optional;

/** One authenticated request, as a route sees it. */
public interface RestCall {
    /** Who signed the request (for {@link RestApi#publicGet} routes: {@link Principal#ANONYMOUS}). */
    Principal principal();

    String pathParam(String name);

    Optional<String> query(String name);

    /**
     * The JSON body bound to {@code type} (Jackson). A malformed body or a field of the wrong type answers 400 with
     * the field's name; a body over the server's limit has already answered 413.
     */
    <T> T body(Class<T> type);

    /** The raw body, for uploads. */
    byte[] bodyBytes();

    /** A request header (names are case-insensitive). */
    Optional<String> header(String name);

    /**
     * The file sent in form field {@code field} of a {@code multipart/form-data} body (as Nucleus clients upload);
     * empty when the body is not multipart or has no such field. A malformed multipart body answers 400.
     */
    Optional<FilePart> file(String field);

    /** A file of a multipart body: the name the client gave it (may be a path on the client) and its bytes. */
    record FilePart(String fileName, byte[] content) {
    }

    /** The client's address, for the audit trail. */
    String remoteAddress();

    /**
     * Names what a state-changing call acted on, for the audit trail (the server records who, when, from where,
     * the method and path, and the status by itself).
     */
    void auditTarget(String cluster, String nodes);

    /**
     * Fails with 401 unless this very request carried a valid one-time code (console links need a fresh second
     * factor, not just the API key).
     */
    void requireFreshSecondFactor();
}
