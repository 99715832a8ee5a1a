package org.cloudmesh.cms.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;

/** Runs one call per item on its own thread (at most 64 at once) and returns the outcomes in item order. */
final class Parallel {
    record Outcome<T, R>(T item, R value, RuntimeException error) {
        boolean ok() {
            return error == null;
        }
    }

    private Parallel() {
    }

    static <T, R> List<Outcome<T, R>> run(List<T> items, Function<T, R> call) {
        List<Outcome<T, R>> outcomes = new ArrayList<>();
        if (items.isEmpty()) return outcomes;
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(64, items.size()), r -> {
            Thread t = new Thread(r, "cms-cluster");
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
                    throw new CmsException("interrupted; 'cluster info NAME' shows what the cloud holds now");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }

    static String message(RuntimeException e) {
        if (e instanceof CmsException) return e.getMessage();
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
