package org.cloudmesh.cms.app;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.cloudmesh.cms.api.Closer;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Variables;
import org.cloudmesh.cms.api.audit.AuditTrail;
import org.cloudmesh.cms.app.audit.SqliteAuditTrail;
import org.cloudmesh.cms.app.config.ConfigFile;
import org.cloudmesh.cms.app.plugins.Plugins;
import org.cloudmesh.cms.app.vars.VariableStore;

/** The shell's {@link Context}: state is opened lazily so that a quick command never reads what it does not use. */
public final class ShellContext implements Context, AutoCloseable {
    private final Path home;
    private final Path dist;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean interactive;
    private Config config;
    private Variables variables;
    private SqliteAuditTrail audit;
    private final Closer closer = new Closer();
    Plugins plugins;
    /** The command registry (set by the Shell once plugins are loaded). */
    public Commands commands;
    /** Reads a line from the person at the terminal (set by the REPL); null in batch mode. */
    public Function<String, String> reader;
    /** Set by the REPL: save its in-memory history to the file / forget it. */
    public Runnable history;
    public Runnable historyClear;
    /** Set by quit/exit: the REPL or script ends after the current command. */
    public boolean quit;
    /**
     * Set by the REPL: after a Ctrl-C, whose "^C" the terminal echoed where the cursor was, ends that line so that
     * what follows (an error, the prompt) starts a line of its own; at most once per Ctrl-C. A no-op elsewhere.
     */
    public Runnable freshLine = () -> { };

    ShellContext(Path home, Path dist, PrintWriter out, PrintWriter err, boolean interactive) {
        this.home = home;
        this.dist = dist;
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    @Override
    public Path home() {
        return home;
    }

    public Path dist() {
        return dist;
    }

    @Override
    public synchronized Config config() {
        if (config == null) config = ConfigFile.open(home, dist);
        return config;
    }

    @Override
    public synchronized Variables variables() {
        // write-behind: a script of many 'set's is not held up by one rename per line; the changes reach
        // the file within 20 ms, and at the latest when the shell closes, never lost to another process's writes
        if (variables == null) {
            VariableStore store = new VariableStore(home.resolve(VariableStore.FILE_NAME)).writeBehind(Duration.ofMillis(20));
            onClose(store);
            variables = store;
        }
        return variables;
    }

    /** Whether {@link #variables()} was asked for already (a script or the REPL did, for substitution). */
    synchronized boolean variablesLoaded() {
        return variables != null;
    }

    /** The audit trail in $CLOUDMESH_HOME/audit.db, opened on first use (shared with the server; append-only). */
    @Override
    public synchronized AuditTrail audit() {
        if (audit == null) {
            audit = SqliteAuditTrail.open(home);
            onClose(audit);
        }
        return audit;
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    @Override
    public boolean interactive() {
        return interactive && reader != null;
    }

    @Override
    public boolean confirm(String question) {
        if (!interactive()) return false;
        String answer = reader.apply(question + " [y/N] ");
        return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    }

    @Override
    public String prompt(String question) {
        if (!interactive()) {
            throw new CmsException("'" + question.trim() + "' needs an answer, but no one is at a terminal: "
                    + "give it as an option instead");
        }
        String answer = reader.apply(question);
        if (answer == null) throw new CmsException("no answer given");
        return answer;
    }

    @Override
    public void onClose(AutoCloseable resource) {
        closer.add(resource);
    }

    /** Closes what was registered with {@link #onClose}, the last first; once. */
    @Override
    public void close() {
        closer.close();
    }

    public Plugins plugins() {
        return plugins;
    }

    @Override
    public <T> List<T> extensions(Class<T> type) {
        return plugins == null ? List.of() : plugins.extensions(type);
    }
}
