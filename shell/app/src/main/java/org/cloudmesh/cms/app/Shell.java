package org.cloudmesh.cms.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.CommandFactory;
import org.cloudmesh.cms.app.plugins.Plugins;
import org.cloudmesh.cms.app.vars.Substitution;
import org.cloudmesh.cms.app.vars.VariableStore;
import picocli.CommandLine;

/**
 * One path for every mode: a REPL line, a one-shot command, a script line and a piped line all go through
 * {@link #run(List)}; the mode only decides how an error is reported and whether a batch stops.
 */
public final class Shell implements AutoCloseable {
    private static final int INTERRUPTED = CommandFactory.INTERRUPTED;

    /** Thrown by quit/exit to end the REPL or a script. */
    public static final class QuitSignal extends RuntimeException {
        public QuitSignal() {
            super(null, null, false, false);
        }
    }

    final ShellContext ctx;
    final boolean debug;
    private final boolean echo;
    private final boolean keepGoing;
    private Commands commands;
    /** The last error's message (shown as one line) and its exception (shown with --debug). */
    String lastError;
    Throwable lastException;
    /** Where the current line came from, for messages: "FILE:LINE" in batch, null otherwise. */
    private String where;

    public Shell(Path home, Path dist, PrintWriter out, PrintWriter err, boolean interactive, boolean debug,
                 boolean echo, boolean keepGoing) {
        this.ctx = new ShellContext(home, dist, out, err, interactive);
        this.debug = debug;
        this.echo = echo;
        this.keepGoing = keepGoing;
    }

    /** The commands, registered once (plugins load here); each command's model is built when first used. */
    public synchronized Commands commands() {
        if (commands == null) {
            ctx.plugins = Plugins.load(ctx.dist(), ctx.home(), ctx.err());
            commands = Commands.create(this);
            ctx.commands = commands;
        }
        return commands;
    }

    /** The root of the command model with every command's model built (completion, docs, tests). */
    public CommandLine commandLine() {
        commands().loadAll();
        return commands.root();
    }

    public ShellContext context() {
        return ctx;
    }

    /** The plugins' prompt notices, made once: each remembers what it has said in this session. */
    private List<org.cloudmesh.cms.api.PromptNotice> notices;

    /** What the plugins want said before the next prompt ({@link org.cloudmesh.cms.api.PromptNotice}). */
    public List<String> notices() {
        if (notices == null) notices = ctx.extensions(org.cloudmesh.cms.api.PromptNotice.class);
        List<String> lines = new java.util.ArrayList<>();
        for (org.cloudmesh.cms.api.PromptNotice n : notices) {
            try {
                lines.addAll(n.notices(ctx));
            } catch (RuntimeException x) {
                // a notice is a courtesy: it never stands between the user and the prompt
            }
        }
        return lines;
    }

    public Plugins plugins() {
        commands();
        return ctx.plugins;
    }

    /** Runs one command given as words (one-shot mode: the OS shell already did quoting and variables). */
    public int run(List<String> words) {
        lastError = null;
        lastException = null;
        if (words.isEmpty()) return 0;
        long began = System.nanoTime();
        int status;
        try {
            Commands all = commands();
            synchronized (all) { // the REPL may be building models for completion in the background
                all.load(words.get(0));
                ready();
                began = System.nanoTime(); // the timer counts the command, not the shell's loading
                status = all.execute(words);
            }
        } catch (CmsException e) {
            fail(e.getMessage(), e);
            status = e.status();
        } catch (RuntimeException e) {
            fail(CommandFactory.describe(e), e);
            status = CommandFactory.interrupted(e) ? INTERRUPTED : 1;
        }
        if (status == INTERRUPTED && lastError == null && ctx.interactive()) {
            lastError = words.get(0) + ": interrupted by Ctrl-C"; // e.g. '!sleep 9': the system command died of SIGINT
        }
        if (status != 0 && lastError == null) lastError = "command failed with exit status " + status;
        if (status == INTERRUPTED) ctx.freshLine.run();
        if (lastError != null) report();
        timer(words, began);
        if (ctx.quit) throw new QuitSignal();
        return status;
    }

    /** Processes one line of input: skips blanks and comments, runs !COMMAND, substitutes variables, runs. */
    public int processLine(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) return 0;
        if (echo) {
            ctx.out().println("cms> " + trimmed);
            ctx.out().flush();
        }
        List<String> words;
        try {
            if (trimmed.startsWith("!")) {
                words = List.of("shell", trimmed.substring(1).strip());
            } else {
                Substitution substitution = new Substitution(ctx.variables(), System.getenv());
                words = LineParser.split(trimmed, substitution::apply);
            }
        } catch (CmsException e) {
            lastException = e;
            lastError = e.getMessage();
            report();
            return e.status();
        }
        return run(words);
    }

    /**
     * Runs a script: every line through {@link #processLine}; stops at the first failure (unless keepGoing)
     * and names it as {@code NAME:LINE: message}. @return 0 when every line succeeded, else 1
     */
    public int runScript(BufferedReader in, String name) throws IOException {
        int worst = 0;
        int number = 0;
        try {
            while (true) {
                if (!in.ready()) ctx.out().flush(); // about to wait for input: show what is done so far
                String line = in.readLine();
                if (line == null) break;
                number++;
                where = name + ":" + number;
                int status = processLine(line);
                if (status != 0) {
                    worst = 1;
                    if (!keepGoing) break;
                }
            }
        } catch (QuitSignal q) {
            // quit inside a script ends it normally
        } finally {
            where = null;
        }
        return worst;
    }

    private boolean loadShown;
    /** When the shell was ready for its first command (ms since the epoch): its first prompt, or that command. */
    private long readyMillis;

    /** Marks the shell ready for commands (once: later calls change nothing). */
    public void ready() {
        if (readyMillis == 0) readyMillis = System.currentTimeMillis();
    }

    /**
     * With variable timer on ('set timer=on'), as the Python cms: {@code # Timer: 0.123s Load: 0.456s LINE} on
     * stderr after each command. Timer is the command's own time; Load, shown with the first command of a
     * process, is the time from the JVM's start until the shell was ready (its first prompt, or that command).
     */
    private void timer(List<String> words, long began) {
        long now = System.nanoTime();
        try {
            // a one-shot command has not read the variables: where timer was never set, a look at the file's text
            // spares it parsing them (~10 ms); a script or the REPL has them already (re-read only when changed)
            if (!ctx.variablesLoaded()
                    && !Files.readString(ctx.home().resolve(VariableStore.FILE_NAME)).contains("timer")) return;
            if (!ctx.variables().get("timer").orElse("False").equals("True")) return;
        } catch (IOException | RuntimeException e) {
            return; // no variables file, or one the commands that need it report
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "# Timer: %.3fs", (now - began) / 1e9));
        if (!loadShown && readyMillis != 0) {
            // the JVM's own start time (ms); the process's start as the OS reports it is only exact to the second
            long load = readyMillis - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
            line.append(String.format(Locale.ROOT, " Load: %.3fs", Math.max(0, load) / 1e3));
        }
        loadShown = true;
        ctx.out().flush();
        ctx.err().println(line.append(' ').append(String.join(" ", words)));
        ctx.err().flush();
    }

    /**
     * Closes what the shell and its plugins opened ({@link ShellContext#onClose}), the last opened first. Every mode
     * ends here, before the process halts. @throws CmsException the first resource that failed to close
     */
    @Override
    public void close() {
        ctx.close();
    }

    void fail(String message, Throwable e) {
        lastError = message;
        lastException = e;
    }

    private void report() {
        ctx.out().flush(); // what the command printed comes before its error
        PrintWriter err = ctx.err();
        err.println(where != null ? where + ": " + lastError : "ERROR: " + lastError);
        if (debug && lastException != null) lastException.printStackTrace(err);
        err.flush();
    }
}
