package org.cloudmesh.cms.api.audit;

import java.time.Instant;

/**
 * One state change. {@code from} is the client address for a request, {@code local} for a shell command;
 * {@code action} is the method and path, or the command line without secrets; {@code result} is {@code ok},
 * an HTTP status, or the error message.
 */
public record AuditEntry(Instant when, String user, String from, String action, String cluster, String nodes,
        String result) {
}
