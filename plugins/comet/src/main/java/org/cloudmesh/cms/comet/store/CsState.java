package org.cloudmesh.cms.comet.store;

import java.util.Locale;

/**
 * Computeset states (Comet Nucleus names) and their mapping from Slurm job states.
 * Active sets hold their nodes: a node belongs to at most one active computeset.
 */
public enum CsState {
    CREATED, SUBMITTED, RUNNING, ENDING, COMPLETED, FAILED, CANCELLED;

    public boolean active() {
        return this == CREATED || this == SUBMITTED || this == RUNNING || this == ENDING;
    }

    /** The states of a set that holds its nodes (a fresh set: callers may change it). */
    public static java.util.EnumSet<CsState> activeStates() {
        java.util.EnumSet<CsState> s = java.util.EnumSet.noneOf(CsState.class);
        for (CsState c : values()) if (c.active()) s.add(c);
        return s;
    }

    public boolean terminal() {
        return !active();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CsState parse(String s) {
        String v = s == null ? "" : s.trim().toUpperCase(Locale.ROOT);
        if (v.equals("QUEUED") || v.equals("PENDING")) return SUBMITTED;
        try {
            return valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new org.cloudmesh.cms.api.CmsException("unknown computeset state '" + s
                    + "': use created, submitted, running, ending, completed, failed, cancelled or active");
        }
    }

    /**
     * A Slurm job state (squeue %T or sacct State, e.g. "CANCELLED by 1000") as a computeset state:
     * pending → submitted, running → running, completing → ending, completed/timeout → completed,
     * cancelled → cancelled, failed/node_fail/boot_fail/out_of_memory/deadline/preempted → failed.
     * Transitional states (configuring, suspended, requeued, ...) keep the set where it was: null.
     */
    public static CsState fromSlurm(String slurmState) {
        if (slurmState == null) return null;
        String s = slurmState.trim().toUpperCase(Locale.ROOT);
        int space = s.indexOf(' ');
        if (space > 0) s = s.substring(0, space);
        if (s.endsWith("+")) s = s.substring(0, s.length() - 1);
        return switch (s) {
            case "PENDING", "PD", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING", "CF" -> SUBMITTED;
            case "RUNNING", "R", "SUSPENDED", "S", "RESIZING", "STOPPED", "ST", "SIGNALING" -> RUNNING;
            case "COMPLETING", "CG", "STAGE_OUT", "SO" -> ENDING;
            case "COMPLETED", "CD", "TIMEOUT", "TO" -> COMPLETED;
            case "CANCELLED", "CA", "REVOKED", "RV" -> CANCELLED;
            case "FAILED", "F", "NODE_FAIL", "NF", "BOOT_FAIL", "BF", "OUT_OF_MEMORY", "OOM", "DEADLINE", "DL",
                    "PREEMPTED", "PR", "SPECIAL_EXIT", "SE" -> FAILED;
            default -> null;
        };
    }
}
