package org.cloudmesh.cms.app.builtin;

import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.app.ShellContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "help", description = "List the commands, or describe one: help COMMAND [SUBCOMMAND].",
        footer = {"%nExamples:", "  help", "  help set", "  help config set"})
public final class HelpCommand implements Callable<Integer> {
    private final ShellContext ctx;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command and optionally its subcommands.")
    List<String> path;

    public HelpCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (path != null && !path.isEmpty()) ctx.commands.load(path.get(0));
        else ctx.commands.addPluginCommands(); // the listing names every command
        CommandLine target = spec.root().commandLine();
        if (path != null) {
            for (String word : path) {
                CommandLine next = target.getSubcommands().get(word);
                if (next == null) {
                    String where = target == spec.root().commandLine() ? "" : " of '" + target.getCommandName() + "'";
                    throw new CmsException("no command '" + word + "'" + where + ": type 'help' for the list");
                }
                target = next;
            }
        }
        target.usage(spec.commandLine().getOut());
        return 0;
    }
}
