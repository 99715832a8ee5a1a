package org.cloudmesh.cms.app.vars;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A second cms process in miniature, for {@link VariableStoreTest}: sets PREFIX0..PREFIX(N-1) in FILE, opening
 * a fresh store every ten changes, then a default PREFIX in context PREFIX.
 * Usage: {@code java -cp TESTCLASSPATH org.cloudmesh.cms.app.vars.ConcurrentWriter FILE PREFIX N GOFILE DELAY}:
 * prints "ready" and starts writing once GOFILE exists, so that all writers run at the same time. With a DELAY
 * (ms) above zero it writes behind and never flushes: its last changes are written by the exit hook.
 */
public final class ConcurrentWriter {
    private ConcurrentWriter() {}

    public static void main(String[] args) throws InterruptedException {
        Path file = Path.of(args[0]);
        String prefix = args[1];
        int n = Integer.parseInt(args[2]);
        Path go = Path.of(args[3]);
        long delay = Long.parseLong(args[4]);
        VariableStore store = new VariableStore(file).writeBehind(Duration.ofMillis(delay));
        store.get("warm-up"); // load the classes before the race starts
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) Thread.sleep(1);
        for (int i = 0; i < n; i++) {
            store.set(prefix + i, "value " + i);
            if (i % 10 == 0) store = new VariableStore(file).writeBehind(Duration.ofMillis(delay));
        }
        store.setDefault(prefix, prefix, "done");
    }
}
