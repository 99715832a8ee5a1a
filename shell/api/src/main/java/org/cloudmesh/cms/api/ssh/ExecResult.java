package org.cloudmesh.cms.api.ssh;

import org.cloudmesh.cms.api.CmsException;

/**
 * What a remote command did: its exit status ({@code -1} when it reported none, e.g. it was killed by a signal), and
 * everything it wrote to stdout and stderr (UTF-8).
 */
public record ExecResult(int exitStatus, String stdout, String stderr) {

    public boolean ok() {
        return exitStatus == 0;
    }

    /**
     * This result when the command succeeded; otherwise a CmsException that names the action, the status and the
     * first line of stderr (or stdout when stderr is empty), e.g. {@code sbatch failed (exit status 1): sbatch: error:
     * Invalid account}.
     */
    public ExecResult requireOk(String action) {
        if (ok()) {
            return this;
        }
        String why = firstLine(stderr);
        if (why.isEmpty()) {
            why = firstLine(stdout);
        }
        throw new CmsException(action + " failed (exit status " + exitStatus + ")" + (why.isEmpty() ? "" : ": " + why));
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("").strip();
    }
}
