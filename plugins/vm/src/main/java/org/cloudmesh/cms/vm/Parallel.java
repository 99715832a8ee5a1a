package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Runs one call per item on its own thread (at most 32 at once) and returns the outcomes in item order. */
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
        if (items.size() == 1) {
            T item = items.get(0);
            try {
                outcomes.add(new Outcome<>(item, call.apply(item), null));
            } catch (RuntimeException e) {
                outcomes.add(new Outcome<>(item, null, e));
            }
            return outcomes;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(32, items.size())), r -> {
            Thread t = new Thread(r, "cms-vm");
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
                    RuntimeException re = c instanceof RuntimeException r ? r : new RuntimeException(c.getMessage(), c);
                    outcomes.add(new Outcome<>(items.get(i), null, re));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new org.cloudmesh.cms.api.CmsException("interrupted; run 'vm list --refresh' to see what the cloud holds now");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return outcomes;
    }
}
