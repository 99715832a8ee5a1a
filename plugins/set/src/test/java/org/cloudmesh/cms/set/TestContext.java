package org.cloudmesh.cms.set;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.CommandFactory;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Variables;
import picocli.CommandLine;

/**
 * A minimal {@link Context} for the commands: in-memory variables and config, out and err captured. {@link #run}
 * runs a command line the way the shell does (the shell's {@link CommandFactory}): an error is one {@code ERROR: }
 * line on err and exit status 1.
 */
final class TestContext implements Context {
    final MemoryVariables variables = new MemoryVariables();
    final MapConfig config = new MapConfig();
    private final StringWriter outText = new StringWriter();
    private final StringWriter errText = new StringWriter();
    private final PrintWriter out = new PrintWriter(outText, true);
    private final PrintWriter err = new PrintWriter(errText, true);

    /** Runs {@code command} (set, var or default) with the words, as typed after "cms". */
    int run(String... words) {
        outText.getBuffer().setLength(0);
        errText.getBuffer().setLength(0);
        CommandLine root = CommandFactory.root(new Root(), out, err, (message, cause) -> err.println("ERROR: " + message));
        for (Object c : new SetPlugin().commands(this)) {
            CommandLine sub = CommandFactory.command(c, out, err);
            root.addSubcommand(sub.getCommandName(), sub, sub.getCommandSpec().aliases());
        }
        return root.execute(words);
    }

    @CommandLine.Command(name = "cms")
    static final class Root implements Runnable {
        @Override
        public void run() {
            // only subcommands
        }
    }

    /** What the command printed on out. */
    String printed() {
        out.flush();
        return outText.toString();
    }

    /** What the command printed on err. */
    String errors() {
        err.flush();
        return errText.toString();
    }

    @Override
    public void onClose(AutoCloseable resource) {
        throw new UnsupportedOperationException("the set commands keep nothing open");
    }

    @Override
    public Path home() {
        return Path.of("/home/u/.cloudmesh");
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Variables variables() {
        return variables;
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
        return false;
    }

    @Override
    public boolean confirm(String question) {
        return false;
    }

    @Override
    public String prompt(String question) {
        throw new CmsException("cannot ask '" + question + "' in batch mode");
    }

    @Override
    public <T> List<T> extensions(Class<T> type) {
        return List.of();
    }
}
