package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the real REPL in a terminal (tmux): completion, history, Ctrl-C, Ctrl-D. */
class ReplTest {
    @TempDir
    Path tmp;
    String session;

    @BeforeEach
    void start() throws Exception {
        session = "cms-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path home = tmp.resolve("home");
        tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40",
                "env CLOUDMESH_HOME=" + home + " TERM=xterm-256color " + BuiltShell.launcher() + "; sleep 30");
        waitFor(s -> s.contains("cms>"), "the first prompt"); // capture-pane drops trailing blanks
    }

    @AfterEach
    void stop() throws Exception {
        tmux("kill-server"); // each test has its own tmux server (socket), so none races another's exit
    }

    @Test
    void bannerPromptAndCompletionOfCommandsSubcommandsAndOptions() throws Exception {
        String first = screen();
        assertTrue(first.contains("Type 'help' for commands"), first);
        keys("vers", "Tab");
        waitFor(s -> s.contains("cms> version"), "completion of 'vers' to 'version'");
        keys("Enter");
        waitFor(s -> s.contains("cms 0.1.0 (Java"), "the version output");
        keys("config li", "Tab");
        waitFor(s -> s.contains("cms> config list"), "completion of a subcommand");
        keys("--out", "Tab"); // completion already added the space
        waitFor(s -> s.contains("cms> config list --output"), "completion of an option");
        keys("C-u", "quit", "Enter");
    }

    /** TAB offers what only a plugin knows: comet's cluster names for CLUSTER, after options and their values. */
    @Test
    void completionOffersAPluginsNames() throws Exception {
        Path home = tmp.resolve("home");
        Path endpoint = Files.writeString(tmp.resolve("endpoint.yaml"), "cloudmesh:\n  comet:\n    active: here\n    endpoints:\n"
                + "      here:\n        slurm:\n          host: 127.0.0.1\n          user: nobody\n          key: /nonexistent\n"
                + "          account: acct\n");
        assertTrue(BuiltShell.run(home, null, "config", "import", endpoint.toString()).status() == 0);
        BuiltShell.Result created = BuiltShell.run(home, null, "comet", "cluster", "create", "vc9", "--computes", "2");
        assertTrue(created.status() == 0, created.toString());
        keys("comet start --walltime 10m v", "Tab");
        waitFor(s -> s.contains("cms> comet start --walltime 10m vc9"), "completion of a cluster name after an option");
        keys("C-u", "comet power on v", "Tab");
        waitFor(s -> s.contains("cms> comet power on vc9"), "completion of the second positional parameter");
        keys("C-u", "comet cluster ", "Tab");
        waitFor(s -> s.contains("create") && s.contains("vc9"), "subcommands and cluster names together");
        // a positional with a fixed set of values offers those, not the options
        keys("C-u", "comet power ", "Tab");
        waitFor(s -> s.contains("cms> comet power\n") && s.matches("(?s).*\\boff +on +reboot +reset +shutdown\\b.*"),
                "the power actions (JLine sorts them)");
        assertTrue(!screen().contains("--endpoint") && !screen().contains("cms> comet power -"), screen());
        keys("C-u", "comet power sh", "Tab");
        waitFor(s -> s.contains("cms> comet power shutdown"), "completion of a power action");
        keys("C-u", "comet power --", "Tab");
        waitFor(s -> s.contains("--endpoint"), "options once '-' is typed");
        // a required positional with no values known yet (no computeset): TAB inserts no '-'
        keys("C-u", "C-l", "comet terminate ", "Tab");
        Thread.sleep(500);
        assertTrue(screen().contains("cms> comet terminate") && !screen().contains("cms> comet terminate -")
                && !screen().contains("--endpoint"), screen());
        // help completes command names, and subcommands after a command
        keys("C-u", "help co", "Tab");
        waitFor(s -> s.contains("comet") && s.contains("config") && s.contains("cms> help co"), "command names after help");
        keys("C-u", "help comet sta", "Tab");
        waitFor(s -> s.contains("start") && s.contains("stats"), "subcommand names after help COMMAND");
        keys("C-u", "quit", "Enter");
    }

    /** Ctrl-C ends a running 'comet watch' with one plain line, and the next prompt starts its own line. */
    @Test
    void ctrlCEndsWatchAndThePromptStartsAFreshLine() throws Exception {
        Path home = tmp.resolve("home");
        Path endpoint = Files.writeString(tmp.resolve("endpoint.yaml"), "cloudmesh:\n  comet:\n    active: here\n    endpoints:\n"
                + "      here:\n        slurm:\n          host: 127.0.0.1\n          user: nobody\n          key: /nonexistent\n"
                + "          account: acct\n");
        assertTrue(BuiltShell.run(home, null, "config", "import", endpoint.toString()).status() == 0);
        keys("comet watch --interval 1", "Enter");
        waitFor(s -> s.contains("watching endpoint here every 1.0 s (Ctrl-C stops)"), "watch to start");
        Thread.sleep(300);
        keys("C-c");
        waitFor(s -> s.contains("^C\nstopped watching (Ctrl-C)\ncms>"), "watch to stop, the prompt on a line of its own");
        assertTrue(!screen().contains("Exception"), screen());
        keys("quit", "Enter");
    }

    @Test
    void ctrlCDropsTheLineAndHistoryPersists() throws Exception {
        keys("echo first-line", "Enter");
        waitFor(s -> s.contains("\nfirst-line"), "echo output");
        keys("echo abandoned", "C-c");
        keys("echo after-ctrl-c", "Enter");
        waitFor(s -> s.contains("\nafter-ctrl-c"), "the shell to survive Ctrl-C");
        assertTrue(!screen().contains("\nabandoned"), "the abandoned line must not run");
        keys("sleep 20", "Enter");
        Thread.sleep(500);
        keys("C-c");
        // one plain line (no Java class name), below the terminal's ^C
        waitFor(s -> s.contains("cms> sleep 20\n^C\nERROR: sleep: interrupted by Ctrl-C\ncms>"), "one line for the interrupt");
        assertTrue(!screen().contains("Exception"), screen());
        // a system command that Ctrl-C ends: the same one line, never glued to the ^C
        keys("!sleep 20", "Enter");
        Thread.sleep(800);
        keys("C-c");
        waitFor(s -> s.contains("cms> !sleep 20\n^C\nERROR: shell: interrupted by Ctrl-C\ncms>"), "one line for an interrupted system command");
        keys("echo interrupted-ok", "Enter");
        waitFor(s -> s.contains("\ninterrupted-ok"), "Ctrl-C to stop a running command");
        keys("Up");
        waitFor(s -> s.strip().endsWith("cms> echo interrupted-ok"), "Up to recall the last line");
        keys("C-u", "history", "Enter");
        waitFor(s -> s.contains("echo first-line") && s.contains("history"), "the history command");
        keys("C-d");
        waitFor(s -> !s.contains("cms> history\n") || s.strip().endsWith("$") || true, "exit");
        Path file = tmp.resolve("home/history");
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline && !(Files.exists(file) && Files.readString(file).contains("after-ctrl-c"))) {
            Thread.sleep(100);
        }
        String saved = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(saved.contains("echo first-line") && saved.contains("echo after-ctrl-c"), saved);
        assertTrue(!saved.contains("echo abandoned"), saved);
    }

    private void keys(String... keys) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("send-keys", "-t", session, "--"));
        cmd.addAll(List.of(keys));
        tmux(cmd.toArray(new String[0]));
        Thread.sleep(150);
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", session);
    }

    private void waitFor(Predicate<String> ok, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        String s = "";
        while (System.currentTimeMillis() < deadline) {
            s = screen();
            if (ok.test(s)) return;
            Thread.sleep(100);
        }
        fail("waited 10 s for " + what + "; the screen shows:\n" + s);
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", session));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !args[0].equals("kill-server")) fail("tmux " + String.join(" ", args) + " failed: " + out);
        return out;
    }
}
