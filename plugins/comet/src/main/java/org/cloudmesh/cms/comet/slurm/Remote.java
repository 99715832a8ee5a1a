package org.cloudmesh.cms.comet.slurm;

import java.time.Duration;

/** Runs a command line on the Slurm login host (over one pooled ssh session). */
public interface Remote extends AutoCloseable {
    record Result(int status, String out, String err) {
        public boolean ok() {
            return status == 0;
        }

        /** The first line of stderr, else of stdout: what Slurm said. */
        public String reason() {
            String e = err.strip();
            if (e.isEmpty()) e = out.strip();
            return e.lines().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
        }
    }

    /** Thrown when the host cannot be reached at all (connect, auth, broken session): the command did not run. */
    class Unreachable extends org.cloudmesh.cms.api.CmsException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Thrown when the command was sent but its end was never reported (the connection dropped, or it was killed
     * by a signal): it may or may not have run. Reads retry it like {@link Unreachable}; a write must not assume
     * either outcome.
     */
    final class InDoubt extends Unreachable {
        public InDoubt(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code command} (already quoted for a POSIX shell) and waits at most {@code timeout}. */
    Result run(String command, Duration timeout);

    /** user@host:port, for messages. */
    String where();

    @Override
    void close();
}
