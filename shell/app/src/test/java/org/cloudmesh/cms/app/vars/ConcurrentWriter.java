package org.cloudmesh.cms.app.vars;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second cms process in miniature, for {@link VariableStoreTest}: sets PREFIX0..PREFIX(N-1) in FILE, each
 * through a fresh store (as a new cms process would), and a default PREFIX in context PREFIX.
 * Usage: {@code java -cp TESTCLASSPATH org.cloudmesh.cms.app.vars.ConcurrentWriter FILE PREFIX N GOFILE}:
 * prints "ready" and starts writing once GOFILE exists, so that all writers run at the same time.
 */
public final class ConcurrentWriter {
    private ConcurrentWriter() {}

    public static void main(String[] args) throws InterruptedException {
        Path file = Path.of(args[0]);
        String prefix = args[1];
        int n = Integer.parseInt(args[2]);
        Path go = Path.of(args[3]);
        VariableStore store = new VariableStore(file);
        store.get("warm-up"); // load the classes before the race starts
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) Thread.sleep(1);
        for (int i = 0; i < n; i++) {
            store.set(prefix + i, "value " + i);
            if (i % 10 == 0) store = new VariableStore(file);
        }
        store.setDefault(prefix, prefix, "done");
    }
}
