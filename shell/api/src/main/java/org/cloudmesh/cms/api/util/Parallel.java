package org.cloudmesh.cms.api.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;

/**
 * Runs one call per item, each on its own thread (up to a cap), and returns the outcomes in item order: what
 * cloud calls and ssh commands on many VMs need. One item runs on the caller's thread.
 */
public final class Parallel {
    /** The result of one item: a value, or the error it failed with. */
    public record Outcome<T, R>(T item, R value, RuntimeException error) {
        public boolean ok() {
            return error == null;
        }
    }

    private final int maxThreads;
    private final String whenInterrupted;

    /**
     * @param maxThreads      the most calls at once
     * @param whenInterrupted the error when the caller is interrupted (Ctrl-C) while calls run: say how to see
     *                        what they left behind
     */
    public Parallel(int maxThreads, String whenInterrupted) {
        this.maxThreads = maxThreads;
        this.whenInterrupted = whenInterrupted;
    }

    public <T, R> List<Outcome<T, R>> run(List<T> items, Function<T, R> call) {
        List<Outcome<T, R>> outcomes = new ArrayList<>();
        if (items.size() == 1) {
            T item = items.get(0);
            try {
                outcomes.add(new Outcome<>(item, call.apply(item), null));
            } catch (RuntimeException e) {
                outcomes.add(new Outcome<>(item, null, e));
            }
            return outcomes;
        }
        if (items.isEmpty()) return outcomes;
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(maxThreads, items.size()), r -> {
            Thread t = new Thread(r, "cms-parallel");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) futures.add(pool.submit(() -> call.apply(item)));
            for (int i = 0; i < items.size(); i++) {
                try {
                    outcomes.add(new Outcome<>(items.get(i), futures.get(i).get(), null));
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    RuntimeException re = c instanceof RuntimeException r ? r : new CmsException(String.valueOf(c.getMessage()), c);
                    outcomes.add(new Outcome<>(items.get(i), null, re));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CmsException(whenInterrupted);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }

    /** An error as one line for a user: a CmsException's message, else the exception's kind and message. */
    public static String message(RuntimeException e) {
        if (e instanceof CmsException) return e.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
