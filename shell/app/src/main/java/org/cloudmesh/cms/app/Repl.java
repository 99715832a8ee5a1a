package org.cloudmesh.cms.app;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.Completion;
import org.cloudmesh.cms.api.CommandFactory;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp;
import picocli.AutoComplete;
import picocli.CommandLine;

/** The interactive shell: JLine line editing, persistent history, completion from the picocli model. */
final class Repl {
    private Repl() {}

    static int run(Path home, Path dist, boolean debug, boolean echo) throws IOException {
        preloadTerminalCapabilities();
        // ffm(false): on Java 22+ JLine would also ask its FFM provider about the streams, whose first downcalls
        // spin method handles for ~0.1 s of the first prompt; JNI does the same job, on every Java
        try (Terminal terminal = TerminalBuilder.builder().name("cms").system(true).providers("jni,exec").ffm(false).build()) {
            if (terminal.getWidth() <= 0) terminal.setSize(new Size(80, 24)); // a pty nobody sized (script, ssh -T)
            // after a Ctrl-C the next output starts a new line (the terminal echoed "^C" where the cursor was)
            FreshLine fresh = new FreshLine(terminal.writer());
            PrintWriter out = new PrintWriter(fresh, true);
            try (Shell shell = Main.open(new Shell(home, dist, out, out, true, debug, echo, true))) {
                return loop(terminal, fresh, out, shell, home);
            }
        }
    }

    /** Reads, runs and reports lines until Ctrl-D or quit. */
    private static int loop(Terminal terminal, FreshLine fresh, PrintWriter out, Shell shell, Path home) throws IOException {
        Path historyFile = home.resolve("history");
        if (!Files.exists(historyFile)) {
            Files.createFile(historyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("cms")
                .parser(new DefaultParser())
                .completer(new CommandCompleter(shell))
                .variable(LineReader.HISTORY_FILE, historyFile)
                .variable(LineReader.HISTORY_SIZE, 10_000)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' starts a system command
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, true)
                .build();
        ShellContext ctx = shell.context();
        ctx.freshLine = fresh::breakLine;
        ctx.reader = reader::readLine;
        ctx.history = () -> save(reader);
        ctx.historyClear = () -> {
            try {
                reader.getHistory().purge();
            } catch (IOException e) {
                // the file is already gone: nothing to purge
            }
        };
        out.println("cms " + org.cloudmesh.cms.app.plugins.Plugins.CMS_VERSION
                + " - virtual clusters and cloud VMs. Type 'help' for commands; Ctrl-D or 'quit' leaves.");
        out.flush();
        Thread models = new Thread(shell::commandLine, "cms-models"); // completion needs every model
        models.setDaemon(true);
        models.start();
        Thread main = Thread.currentThread();
        terminal.handle(Terminal.Signal.INT, s -> { // Ctrl-C stops the running command
            fresh.pending = true;
            main.interrupt();
        });
        shell.ready(); // the timer's Load ends at the first prompt, not when the first line is typed
        boolean first = true;
        while (true) {
            String line;
            // not before the first prompt: the plugins load lazily, and a start must stay fast
            if (!first) for (String notice : shell.notices()) out.println(notice);
            first = false;
            out.flush();
            try {
                line = reader.readLine("cms> ");
            } catch (UserInterruptException e) {
                continue; // Ctrl-C drops the line, not the shell
            } catch (EndOfFileException e) {
                break; // Ctrl-D
            }
            fresh.reset();
            try {
                shell.processLine(line);
            } catch (Shell.QuitSignal q) {
                break;
            } catch (RuntimeException e) {
                out.println("ERROR: " + CommandFactory.describe(e));
            }
            Thread.interrupted(); // a Ctrl-C that arrived after the command ended must not hit the next one
            if (fresh.pending) fresh.breakLine(); // a command that printed nothing after Ctrl-C: not "^Ccms> "
            out.flush();
        }
        save(reader);
        return 0;
    }

    /**
     * The REPL's output: after a Ctrl-C ({@link #pending}, set by the signal handler, which itself prints nothing:
     * it may run after the command's error) the next write first ends the line the terminal's "^C" is on; so does
     * {@link #breakLine()}; at most once per command ({@link #reset()}).
     */
    static final class FreshLine extends java.io.Writer {
        private final java.io.Writer out;
        volatile boolean pending;
        private boolean broken;

        FreshLine(java.io.Writer out) {
            this.out = out;
        }

        synchronized void reset() {
            pending = false;
            broken = false;
        }

        synchronized void breakLine() {
            pending = false;
            if (broken) return;
            broken = true;
            try {
                out.write(System.lineSeparator());
                out.flush();
            } catch (IOException e) {
                // the terminal is gone: the loop ends on its own
            }
        }

        @Override
        public synchronized void write(char[] buf, int off, int len) throws IOException {
            if (pending && len > 0) breakLine();
            out.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    /**
     * JLine asks the external infocmp for $TERM's capabilities before it looks at its own copies: a process
     * start on every launch. Where JLine ships the description, hand it over first (jvm-startup.md pitfall 5).
     */
    private static void preloadTerminalCapabilities() {
        String term = System.getenv("TERM");
        if (term == null || term.isBlank()) return;
        try {
            String caps = InfoCmp.getDefaultInfoCmp(term);
            if (caps != null) InfoCmp.setLoadedInfoCmp(term, caps);
        } catch (RuntimeException | java.io.IOError e) {
            // not bundled: JLine falls back to infocmp as usual
        }
    }

    private static void save(LineReader reader) {
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            // history is a convenience; failing to save it must not end the session
        }
    }

    /** Completes commands, subcommands, options and option values from the picocli model; never throws. */
    static final class CommandCompleter implements Completer {
        private final Shell shell;

        CommandCompleter(Shell shell) {
            this.shell = shell;
        }

        @Override
        public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
            try {
                CommandLine root = shell.commandLine();
                String[] words = line.words().toArray(new String[0]);
                String typed = line.word().substring(0, line.wordCursor());
                List<String> before = line.words().subList(0, line.wordIndex());
                List<CharSequence> found = new ArrayList<>();
                AutoComplete.complete(root.getCommandSpec(), words, line.wordIndex(), line.wordCursor(), line.cursor(), found);
                // the values of the positional parameter at the cursor: a fixed set (comet power's on, off, ...), or
                // names a plugin knows; beside subcommand names ('comet cluster <TAB>' offers create and vc1)
                List<String> values = typed.startsWith("-") ? List.of() : positionalValues(root.getCommandSpec(), before);
                // where a positional has values, or must still be given, TAB offers those values (or nothing):
                // options only once '-' is typed (else TAB would insert a '-' that the user did not want)
                boolean positionalFirst = !typed.startsWith("-")
                        && (!values.isEmpty() || requiredPositionalAt(root.getCommandSpec(), before));
                for (CharSequence c : found) {
                    String word = typed + c;
                    if (positionalFirst && word.startsWith("-")) continue;
                    candidates.add(new Candidate(word, word, null, null, null, null, true));
                }
                for (String value : values) {
                    if (value.startsWith(typed)) candidates.add(new Candidate(value, value, null, null, null, null, true));
                }
            } catch (RuntimeException e) {
                // completion is a hint: a failure must never disturb the line being typed
            }
        }

        /** Where the words before the cursor lead: the command, and the positionals typed so far; null at an option's value. */
        private record At(CommandLine.Model.CommandSpec spec, List<String> positionals) {
        }

        private static At at(CommandLine.Model.CommandSpec root, List<String> before) {
            CommandLine.Model.CommandSpec spec = root;
            List<String> positionals = new ArrayList<>();
            for (int i = 0; i < before.size(); i++) {
                String w = before.get(i);
                CommandLine sub = spec.subcommands().get(w);
                if (positionals.isEmpty() && sub != null) {
                    spec = sub.getCommandSpec();
                } else if (w.startsWith("-")) {
                    CommandLine.Model.OptionSpec o = spec.findOption(w.contains("=") ? w.substring(0, w.indexOf('=')) : w);
                    if (o != null && o.arity().max() > 0 && !w.contains("=")) {
                        if (i == before.size() - 1) return null; // the cursor is at this option's value
                        i++;
                    }
                } else {
                    positionals.add(w);
                }
            }
            return new At(spec, positionals);
        }

        /** True when the cursor is at a positional parameter that must still be given (no subcommand could go there). */
        static boolean requiredPositionalAt(CommandLine.Model.CommandSpec root, List<String> before) {
            At at = at(root, before);
            if (at == null || (at.positionals().isEmpty() && !at.spec().subcommands().isEmpty())) return false;
            for (CommandLine.Model.PositionalParamSpec p : at.spec().positionalParameters()) {
                if (p.index().contains(at.positionals().size()) && p.arity().min() > 0
                        && p.index().min() == at.positionals().size()) return true;
            }
            return false;
        }

        /**
         * The values of the positional parameter that the words before the cursor lead to (subcommands are followed,
         * options and their values skipped, the other words counted): its fixed set of values (picocli's
         * completion candidates, or an enum's constants), after 'help' the command names, else what the plugin
         * offers ({@link Completion}).
         */
        static List<String> positionalValues(CommandLine.Model.CommandSpec root, List<String> before) {
            At at = at(root, before);
            if (at == null) return List.of();
            CommandLine.Model.CommandSpec spec = at.spec();
            int position = at.positionals().size();
            if (spec.userObject() instanceof org.cloudmesh.cms.app.builtin.HelpCommand) {
                // help COMMAND [SUBCOMMAND...]: the names at the level the words so far lead to
                CommandLine.Model.CommandSpec level = root;
                for (String w : at.positionals()) {
                    CommandLine next = level.subcommands().get(w);
                    if (next == null) return List.of();
                    level = next.getCommandSpec();
                }
                List<String> names = new ArrayList<>();
                level.subcommands().forEach((name, cl) -> {
                    if (!cl.getCommandSpec().usageMessage().hidden()) names.add(name);
                });
                return names;
            }
            for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.index().contains(position)) continue;
                if (p.completionCandidates() != null) {
                    List<String> fixed = new ArrayList<>();
                    p.completionCandidates().forEach(fixed::add);
                    if (!fixed.isEmpty()) return fixed;
                }
                String command = spec.qualifiedName(" ").substring(root.name().length()).strip();
                for (CommandLine.Model.CommandSpec s = spec; s != null; s = s.parent()) {
                    if (s.userObject() instanceof Completion c) return c.candidates(command, p.paramLabel());
                }
            }
            return List.of();
        }
    }
}
