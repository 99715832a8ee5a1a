package org.cloudmesh.cms.api.audit;

import java.time.Instant;
import java.util.List;

/**
 * The record of every state change, by a shell command or a server request: who, when, from where, what, on which
 * cluster and nodes, and the result. Append-only: nothing in cms edits or deletes an entry.
 */
public interface AuditTrail {
    void record(AuditEntry entry);

    /** Entries matching all given filters (null = any), oldest first. */
    List<AuditEntry> query(String user, String cluster, Instant since);
}
