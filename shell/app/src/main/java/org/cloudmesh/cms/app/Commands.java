package org.cloudmesh.cms.app;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.api.CommandFactory;
import org.cloudmesh.cms.app.builtin.BannerCommand;
import org.cloudmesh.cms.app.builtin.ConfigCommand;
import org.cloudmesh.cms.app.builtin.DocsCommand;
import org.cloudmesh.cms.app.builtin.EchoCommand;
import org.cloudmesh.cms.app.builtin.HelpCommand;
import org.cloudmesh.cms.app.builtin.HistoryCommand;
import org.cloudmesh.cms.app.builtin.PauseCommand;
import org.cloudmesh.cms.app.builtin.PluginCommand;
import org.cloudmesh.cms.app.builtin.QuitCommand;
import org.cloudmesh.cms.app.builtin.ShellCommand;
import org.cloudmesh.cms.app.builtin.SleepCommand;
import org.cloudmesh.cms.app.builtin.VersionCommand;
import org.cloudmesh.cms.app.admin.AdminCommand;
import org.cloudmesh.cms.app.server.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The shell's command model, built through {@link CommandFactory} (as every test harness builds its own): used by
 * main, the REPL, the docs generator and the tests.
 */
public final class Commands {
    /** The root command: it runs nothing (with no command, the modes are chosen in Main). */
    static final class Root implements Runnable {
        @Override
        public void run() {
            // with no command picocli has nothing to do: the modes are chosen in Main
        }
    }

    /**
     * The root's model, written out rather than read from annotations: reflecting over @Option fields is about
     * 0.01 s of every start. Main reads these options before picocli runs; they are declared here so that help
     * and man pages show them.
     */
    static CommandSpec rootSpec() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(new Root()).name("cms");
        spec.usageMessage()
                .description("A shell for virtual clusters on HPC machines and virtual machines on clouds.")
                .synopsisHeading("Usage: ")
                .customSynopsis("cms [OPTIONS] [COMMAND [ARGS...]]", "       cms [OPTIONS] FILE.cms | --file FILE", "       cms [OPTIONS] < SCRIPT")
                .commandListHeading("%nCommands:%n")
                .footerHeading("%n")
                .footer("Run without a command for the interactive shell (cms> ), or pipe a script into it.",
                        "'help COMMAND' or 'COMMAND --help' describes one command.");
        spec.addOption(OptionSpec.builder("--home").paramLabel("DIR").type(String.class)
                .description("State directory: $CLOUDMESH_HOME, else ~/.cloudmesh.").build());
        spec.addOption(OptionSpec.builder("--file").paramLabel("FILE").type(String.class)
                .description("Run the script FILE.").build());
        spec.addOption(OptionSpec.builder("--echo").type(boolean.class)
                .description("Print each command before it runs.").build());
        spec.addOption(OptionSpec.builder("--keep-going").type(boolean.class)
                .description("Do not stop a script at the first failing line.").build());
        spec.addOption(OptionSpec.builder("--debug").type(boolean.class)
                .description("Show the stack trace of an error.").build());
        return spec;
    }

    private final CommandLine root;
    private final ShellContext ctx;
    /** Top-level commands whose picocli model is not built yet, by name and alias. */
    private final Map<String, Object> pending = new HashMap<>();
    /** Every top-level command's current CommandLine (placeholder or real), in the order help lists them. */
    private final Map<String, CommandLine> registered = new LinkedHashMap<>();
    /** The built-in commands' names and aliases: a plugin cannot take them, so they run without asking the plugins. */
    private Set<String> builtins = Set.of();
    /** Adds the plugins' commands (after the built-in ones); null once it has run. */
    private Runnable pluginCommands;

    private Commands(Shell shell) {
        this.ctx = shell.context();
        this.root = CommandFactory.root(rootSpec(), ctx.out(), ctx.err(), shell::fail);
        // a command run from its own CommandLine (execute) has picocli read its parents' last parse, which fails
        // on a parent that never parsed: the root parses nothing once (it has no help options to remember)
        root.parseArgs();
    }

    static Commands create(Shell shell) {
        Commands commands = new Commands(shell);
        ShellContext ctx = shell.context();
        for (Object b : List.of(new HelpCommand(ctx), new VersionCommand(ctx), new EchoCommand(ctx), new BannerCommand(ctx),
                new SleepCommand(), new PauseCommand(ctx), new HistoryCommand(ctx), new QuitCommand(ctx),
                new PluginCommand(ctx), new ConfigCommand(ctx), new ShellCommand(ctx), new DocsCommand(ctx),
                new ServerCommand(ctx), new AdminCommand(ctx))) {
            commands.add(b);
        }
        commands.builtins = Set.copyOf(commands.pending.keySet());
        commands.pluginCommands = () -> ctx.plugins.addCommands(commands, ctx);
        return commands;
    }

    /**
     * Asks the started plugins for their commands, once. A built-in command runs without this (no plugin may take its
     * name), so 'cms version' or 'cms echo' never instantiate the plugins' extensions; anything else, the listing
     * of 'help' and every completion or document of the whole model ask first.
     */
    public synchronized void addPluginCommands() {
        Runnable add = pluginCommands;
        pluginCommands = null;
        if (add != null) add.run();
    }

    public CommandLine root() {
        return root;
    }

    /**
     * Runs one command line (its model built by {@link #load}). A known command runs from its own top-level
     * CommandLine, so that picocli resets and parses that command alone: from the root it would first reset every
     * command's model (a copy of each command's subcommand map per line, a tenth of a script's time); the root
     * runs the rest, and reports an unknown word.
     */
    public int execute(List<String> words) {
        CommandLine top = root.getCommandSpec().subcommands().get(words.get(0));
        if (top == null || pending.containsKey(words.get(0))) return root.execute(words.toArray(new String[0]));
        return top.execute(words.subList(1, words.size()).toArray(new String[0]));
    }

    public boolean has(String name) {
        return root.getSubcommands().containsKey(name);
    }

    /**
     * Registers a top-level command. Only its name, aliases and description are read now (from the annotation);
     * picocli reflects over the whole command the first time it is used, so start-up does not pay for
     * commands a run never touches.
     */
    public void add(Object command) {
        Command a = command.getClass().getAnnotation(Command.class);
        if (a == null) throw new IllegalArgumentException(command.getClass() + " has no @Command annotation");
        CommandSpec placeholder = CommandSpec.create().name(a.name()).aliases(a.aliases());
        placeholder.usageMessage().description(a.description()).hidden(a.hidden());
        CommandLine cl = new CommandLine(placeholder);
        root.addSubcommand(a.name(), cl);
        registered.put(a.name(), cl);
        pending.put(a.name(), command);
        for (String alias : a.aliases()) pending.put(alias, command);
    }

    /** Builds the model of the command called (or aliased) {@code word}, if it is still a placeholder. */
    public synchronized void load(String word) {
        if (!builtins.contains(word)) addPluginCommands(); // a plugin's command, or an unknown word: hints name all
        Object command = pending.get(word);
        if (command == null) return;
        Command a = command.getClass().getAnnotation(Command.class);
        CommandLine real = CommandFactory.command(command, ctx.out(), ctx.err());
        // execute runs it from here, not from the root: the root's handlers, for the same statuses and messages
        real.setParameterExceptionHandler(root.getParameterExceptionHandler());
        real.setExecutionExceptionHandler(root.getExecutionExceptionHandler());
        registered.put(a.name(), real);
        pending.values().removeIf(c -> c == command);
        // re-register all, so that the listing keeps its order
        for (String name : registered.keySet()) root.getCommandSpec().removeSubcommand(name);
        registered.forEach(root::addSubcommand);
    }

    /** Builds every model (for completion, help of all options, and the docs). */
    public synchronized void loadAll() {
        addPluginCommands();
        for (String name : List.copyOf(pending.keySet())) load(name);
    }
}
