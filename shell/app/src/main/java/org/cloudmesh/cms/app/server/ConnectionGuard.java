package org.cloudmesh.cms.app.server;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.Request;

/**
 * Connections that have not yet sent one whole request head (request line and headers): at most {@code max} of
 * them at a time (past it, the oldest is closed) and each for at most {@code deadlineMillis}. A client that drips
 * its headers a byte at a time, or opens connections and sends nothing, is cut off without holding a worker
 * thread, and cannot crowd out the clients that send whole requests. A connection is let go once a request of its
 * has reached the server (its body is then bounded by Jetty's minimum data rate, and read only once the request is
 * authenticated), and comes under the deadline again when that request is answered (a keep-alive connection has
 * that long to send its next request). A body, once the server reads it, must arrive at a minimum rate
 * ({@link #readBy}): Jetty's own minimum data rate counts from the first byte received, so it refuses small bodies
 * that merely waited for a worker thread; this one counts from when the server starts reading.
 */
final class ConnectionGuard implements Connection.Listener, HttpChannel.Listener, AutoCloseable {
    private final int max;
    private final long deadlineNanos;
    private final Map<Connection, Long> pending = new ConcurrentHashMap<>();
    /** Connections whose body is being read, with the time by which it must have arrived. */
    private final Map<Connection, Long> reading = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cms-server-guard");
        t.setDaemon(true);
        return t;
    });

    ConnectionGuard(int max, long deadlineMillis) {
        this.max = max;
        this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        long every = Math.max(100, Math.min(1000, deadlineMillis / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection c) {
        pending.put(c, System.nanoTime());
        while (pending.size() > max) {
            var oldest = pending.entrySet().stream().min(Comparator.comparingLong(Map.Entry::getValue));
            if (oldest.isEmpty()) break;
            cut(oldest.get().getKey());
        }
    }

    @Override
    public void onClosed(Connection c) {
        pending.remove(c);
        reading.remove(c);
    }

    /** The request head is complete: this connection is no longer a suspect. */
    @Override
    public void onBeforeDispatch(Request request) {
        pending.remove(request.getHttpChannel().getConnection());
    }

    /** A request is answered: until the next request head is complete, the connection waits under the deadline again. */
    @Override
    public void onComplete(Request request) {
        Connection c = request.getHttpChannel().getConnection();
        if (c.getEndPoint().isOpen()) pending.put(c, System.nanoTime());
    }

    /** The body of the request on {@code c} must have arrived by {@code deadlineNanos} (System.nanoTime), or the connection is closed. */
    void readBy(Connection c, long deadlineNanos) {
        if (c != null) reading.put(c, deadlineNanos);
    }

    /** The body on {@code c} is read. */
    void read(Connection c) {
        if (c != null) reading.remove(c);
    }

    /** How many connections have not sent a whole request head yet. */
    int pending() {
        return pending.size();
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Map.Entry<Connection, Long> e : pending.entrySet()) {
            if (now - e.getValue() > deadlineNanos) cut(e.getKey());
        }
        for (Map.Entry<Connection, Long> e : reading.entrySet()) {
            if (now - e.getValue() > 0) cut(e.getKey());
        }
    }

    private void cut(Connection c) {
        pending.remove(c);
        reading.remove(c);
        try {
            c.getEndPoint().close();
        } catch (RuntimeException e) {
            // already closing
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
