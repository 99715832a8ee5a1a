package org.cloudmesh.cms.api;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a shell (or a test's context) closes when it ends: resources registered with {@link Context#onClose}, closed
 * once, the last registered first (what was opened later may use what was opened before). Every resource is
 * closed even when one fails; the first failure is then thrown. Safe from several threads: an exit hook may race
 * the normal end, and only one of them closes.
 */
public final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private boolean closed;

    /** Registers a resource; one registered after {@link #close()} is closed at once. */
    public void add(AutoCloseable resource) {
        synchronized (this) {
            if (!closed) {
                open.push(resource);
                return;
            }
        }
        closeAll(new ArrayDeque<>(java.util.List.of(resource)));
    }

    /** Closes every resource, last registered first; a second call does nothing. */
    @Override
    public void close() {
        Deque<AutoCloseable> todo;
        synchronized (this) {
            if (closed) return;
            closed = true;
            todo = new ArrayDeque<>(open);
            open.clear();
        }
        closeAll(todo);
    }

    private static void closeAll(Deque<AutoCloseable> todo) {
        CmsException first = null;
        for (AutoCloseable r : todo) {
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof CmsException c ? c
                            : new CmsException(e.getMessage() == null ? "closing " + r + " failed" : e.getMessage(), e);
                }
            }
        }
        if (first != null) throw first;
    }
}
