package org.cloudmesh.cms.api;

/**
 * The one exception type a command throws to fail: its message is shown as one line
 * ("ERROR: ..."), its status becomes the exit status. Say what was wrong with which input and what to do.
 */
public class CmsException extends RuntimeException {
    public static final int EXIT_FAILURE = 1;

    private final int status;

    public CmsException(String message) {
        this(EXIT_FAILURE, message, null);
    }

    public CmsException(String message, Throwable cause) {
        this(EXIT_FAILURE, message, cause);
    }

    public CmsException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
