package org.cloudmesh.cms.app;

import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** The one factory of the command model, used by main, the REPL, the docs generator and the tests. */
public final class Commands {
    private Commands() {}

    @Command(name = "cms", description = "A shell for virtual clusters on HPC machines and virtual machines on clouds.",
            synopsisHeading = "Usage: ", customSynopsis = {"cms [OPTIONS] [COMMAND [ARGS...]]", "       cms [OPTIONS] FILE.cms | --file FILE", "       cms [OPTIONS] < SCRIPT"},
            commandListHeading = "%nCommands:%n", footerHeading = "%n",
            footer = {"Run without a command for the interactive shell (cms> ), or pipe a script into it.",
                    "'help COMMAND' or 'COMMAND --help' describes one command."})
    static final class Root implements Runnable {
        // Main reads these before picocli runs; they are declared here so that help and man pages show them.
        @Option(names = "--home", paramLabel = "DIR", description = "State directory (default: $CLOUDMESH_HOME, else ~/.cloudmesh).")
        String home;
        @Option(names = "--file", paramLabel = "FILE", description = "Run the script FILE.")
        String file;
        @Option(names = "--echo", description = "Print each command before it runs.")
        boolean echo;
        @Option(names = "--keep-going", description = "Do not stop a script at the first failing line.")
        boolean keepGoing;
        @Option(names = "--debug", description = "Show the stack trace of an error.")
        boolean debug;

        @Override
        public void run() {
            // with no command picocli has nothing to do: the modes are chosen in Main
        }
    }

    static CommandLine create(Shell shell) {
        ShellContext ctx = shell.context();
        CommandLine root = new CommandLine(new Root());
        List<Object> builtins = new ArrayList<>(List.of(
                new HelpCommand(), new VersionCommand(ctx), new EchoCommand(ctx), new BannerCommand(ctx),
                new SleepCommand(), new PauseCommand(ctx), new HistoryCommand(ctx), new QuitCommand(ctx),
                new PluginCommand(ctx), new ConfigCommand(ctx), new ShellCommand(ctx), new DocsCommand(ctx)));
        for (Object b : builtins) root.addSubcommand(b);
        ctx.plugins.addCommands(root, ctx);
        addHelpOptions(root.getCommandSpec());

        root.setOut(ctx.out());
        root.setErr(ctx.err());
        root.setCaseInsensitiveEnumValuesAllowed(true);
        root.setParameterExceptionHandler((ex, args) -> {
            shell.fail(message(ex), ex);
            return 1;
        });
        root.setExecutionExceptionHandler((ex, cl, parsed) -> {
            if (ex instanceof CmsException c) {
                shell.fail(c.getMessage(), c);
                return c.status();
            }
            shell.fail(Shell.describe(ex), ex);
            return 1;
        });
        return root;
    }

    /** Every command answers -h/--help, whether or not its author declared it. */
    private static void addHelpOptions(CommandSpec spec) {
        if (spec.optionsMap().get("--help") == null && spec.optionsMap().get("-h") == null) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        for (CommandLine sub : spec.subcommands().values()) addHelpOptions(sub.getCommandSpec());
    }

    /** One line: what was wrong, with the nearest names for an unknown command or option. */
    static String message(ParameterException ex) {
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
}
