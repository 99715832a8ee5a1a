package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A real terminal for tests: a tmux server of its own (its socket), one window running a command, its screen read back. */
public final class Tmux implements AutoCloseable {
    private final String socket;

    private Tmux(String socket) {
        this.socket = socket;
    }

    /** Starts {@code command} (a shell command line) in a {@code width} x {@code height} terminal. */
    public static Tmux start(String socket, int width, int height, String command) throws IOException, InterruptedException {
        Tmux t = new Tmux(socket);
        t.run("new-session", "-d", "-s", "main", "-x", String.valueOf(width), "-y", String.valueOf(height), command);
        return t;
    }

    /** Types keys (tmux names: Enter, C-], ...). */
    public void keys(String... keys) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("send-keys", "-t", "main"));
        a.addAll(List.of(keys));
        run(a.toArray(new String[0]));
    }

    public String screen() throws IOException, InterruptedException {
        return run("capture-pane", "-p", "-t", "main");
    }

    /** Waits until the screen satisfies {@code ok}; fails the test with the screen after {@code timeout}. */
    public void await(Predicate<String> ok, String what, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < deadline) {
            s = screen();
            if (ok.test(s)) return;
            Thread.sleep(200);
        }
        fail("waited " + timeout.toSeconds() + " s for " + what + "; the screen shows:\n" + s);
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) fail("tmux " + String.join(" ", args) + " failed: " + out);
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor();
    }
}
