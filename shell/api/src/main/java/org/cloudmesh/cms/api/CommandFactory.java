package org.cloudmesh.cms.api;

import java.io.PrintWriter;
import java.util.List;
import org.cloudmesh.cms.api.util.Suggest;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one factory of picocli command lines. The shell (one-shot, REPL, scripts, docs) and every plugin's test
 * harness build theirs here, so that a command ends with the same status and the same one-line message
 * everywhere: {@link #FAILED} for bad input or a failure, a {@link CmsException}'s own status, {@link #INTERRUPTED}
 * for Ctrl-C.
 */
public final class CommandFactory {
    public static final int OK = 0;
    /** Bad input (a parse error) or a failed command. */
    public static final int FAILED = 1;
    /** A command stopped by Ctrl-C (128 + SIGINT, as a POSIX shell reports it). */
    public static final int INTERRUPTED = 130;

    /** Where a failed command's one-line message goes, with its cause (for --debug). */
    @FunctionalInterface
    public interface Failures {
        void fail(String message, Throwable cause);
    }

    private CommandFactory() {
    }

    /**
     * The root that runs the commands added under it: {@code command} is its annotated object or its
     * {@link CommandSpec}; errors go to {@code failures}, and the status follows the rules above.
     */
    public static CommandLine root(Object command, PrintWriter out, PrintWriter err, Failures failures) {
        CommandLine root = new CommandLine(command);
        configure(root, out, err);
        root.setParameterExceptionHandler((ex, args) -> {
            failures.fail(message(ex), ex);
            return FAILED;
        });
        root.setExecutionExceptionHandler((ex, cl, parsed) -> {
            if (ex instanceof CmsException c) {
                failures.fail(c.getMessage(), c);
                return c.status();
            }
            if (interrupted(ex)) {
                failures.fail(cl.getCommandSpec().qualifiedName(" ").replaceFirst("^cms ", "") + ": interrupted by Ctrl-C", ex);
                return INTERRUPTED;
            }
            failures.fail(describe(ex), ex);
            return FAILED;
        });
        return root;
    }

    /** One top-level command's model, to add under a root: every (sub)command answers -h/--help. */
    public static CommandLine command(Object command, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        addHelpOptions(cl.getCommandSpec());
        configure(cl, out, err);
        return cl;
    }

    private static void configure(CommandLine cl, PrintWriter out, PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
    }

    private static void addHelpOptions(CommandSpec spec) {
        if (spec.optionsMap().get("--help") == null && spec.optionsMap().get("-h") == null) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        for (CommandLine sub : spec.subcommands().values()) addHelpOptions(sub.getCommandSpec());
    }

    /** One line: what was wrong, with the nearest names for an unknown command or option. */
    public static String message(ParameterException ex) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName().replaceFirst("^cms ?", "");
        if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String word = u.getUnmatched().get(0);
            boolean isCommand = !word.startsWith("-") && !cl.getSubcommands().isEmpty();
            List<String> near;
            String what;
            if (isCommand) {
                near = Suggest.nearest(word, cl.getSubcommands().keySet());
                what = name.isEmpty() ? "unknown command '" + word + "'" : "unknown subcommand '" + name + " " + word + "'";
            } else if (word.startsWith("-")) {
                near = Suggest.nearest(word, cl.getCommandSpec().optionsMap().keySet());
                what = "unknown option '" + word + "'" + (name.isEmpty() ? "" : " for '" + name + "'");
            } else {
                near = List.of();
                what = "unexpected argument '" + word + "'" + (name.isEmpty() ? "" : " for '" + name + "'");
            }
            String hint = near.isEmpty() ? "" : "; did you mean: " + String.join(", ", near) + "?";
            return what + hint + " (see '" + (name.isEmpty() ? "help" : name + " --help") + "')";
        }
        String m = ex.getMessage() == null ? "invalid input" : ex.getMessage();
        return m + (name.isEmpty() ? "" : " (see '" + name + " --help')");
    }

    /** True when {@code e} (or a cause of it) is how Java reports an interrupt: Ctrl-C stopped a command. */
    public static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException) return true;
        }
        return false;
    }

    /**
     * One line for an error that is not a {@link CmsException}: what happened, in words; never a Java class name
     * (the class and stack trace are for --debug).
     */
    public static String describe(Throwable e) {
        if (interrupted(e)) return "interrupted by Ctrl-C";
        if (e instanceof java.io.UncheckedIOException && e.getCause() != null) return describe(e.getCause());
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file or directory: " + m;
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied: " + m;
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "already exists: " + m;
        if (e instanceof java.nio.file.NotDirectoryException) return "not a directory: " + m;
        if (e instanceof java.nio.file.DirectoryNotEmptyException) return "directory not empty: " + m;
        if (e instanceof java.net.UnknownHostException) return "unknown host: " + m;
        boolean fault = e instanceof NullPointerException || e instanceof ClassCastException
                || e instanceof IndexOutOfBoundsException || e instanceof ArithmeticException
                || e instanceof UnsupportedOperationException || e instanceof java.util.NoSuchElementException
                || e instanceof java.util.ConcurrentModificationException || e instanceof NumberFormatException
                || e instanceof ArrayStoreException || e instanceof Error;
        // a fault of cms itself, whose message (if any) speaks Java: the details are for --debug
        if (fault || m == null || m.isBlank()) return "unexpected internal error (run with --debug for the details)";
        return m;
    }
}
