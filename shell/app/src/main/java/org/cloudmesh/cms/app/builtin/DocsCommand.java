package org.cloudmesh.cms.app.builtin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.app.ShellContext;
import org.cloudmesh.cms.app.plugins.Plugins;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes the man pages and the bash completion script from the command model (run at build time). */
@Command(name = "docs", hidden = true, description = "Generate man pages and bash completion from the command model.")
public final class DocsCommand implements Callable<Integer> {
    private final ShellContext ctx;

    @Spec
    CommandSpec spec;

    @Option(names = "--man", paramLabel = "DIR", required = true, description = "Directory for cms.1 and cms-COMMAND.1.")
    Path manDir;

    @Option(names = "--completion", paramLabel = "FILE", required = true, description = "File for the bash completion script.")
    Path completion;

    public DocsCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws IOException {
        ctx.commands.loadAll();
        CommandLine root = spec.root().commandLine();
        Files.createDirectories(manDir);
        Files.writeString(manDir.resolve("cms.1"), rootPage(root));
        int pages = 1;
        for (CommandLine sub : visible(root)) {
            CommandSpec s = sub.getCommandSpec();
            Files.writeString(manDir.resolve("cms-" + s.name() + ".1"), commandPage(sub));
            pages++;
        }
        Path parent = completion.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(completion, AutoComplete.bash("cms", root));
        ctx.out().println("wrote " + pages + " man pages to " + manDir + " and " + completion);
        return 0;
    }

    private String rootPage(CommandLine root) {
        StringBuilder b = header("cms", "a shell for virtual clusters on HPC machines and VMs on clouds");
        b.append(".SH SYNOPSIS\n.B cms\n[\\fB\\-\\-home\\fR \\fIDIR\\fR] [\\fB\\-\\-debug\\fR] [\\fB\\-\\-echo\\fR] [\\fB\\-\\-keep\\-going\\fR]\n")
                .append("[\\fICOMMAND\\fR [\\fIARGS\\fR...] | \\fIFILE\\fR.cms | \\fB\\-\\-file\\fR \\fIFILE\\fR]\n");
        b.append(".SH DESCRIPTION\n").append(esc("cms runs one command and exits (cms COMMAND ARGS), runs a script "
                + "(cms FILE.cms, cms --file FILE, or a script piped into its standard input), or, at a terminal, "
                + "opens the interactive shell with the prompt 'cms> ', history, and tab completion.")).append('\n');
        b.append(".PP\n").append(esc("In scripts, blank lines and lines starting with # are skipped; $name, ${name}, "
                + "var.name, os.NAME and default.CONTEXT.KEY are replaced by variables, environment variables and "
                + "defaults; \\$ is a literal dollar. A failing line stops the script with FILE:LINE: message and "
                + "exit status 1 unless --keep-going is given. A line starting with ! runs a system command.")).append('\n');
        b.append(".SH OPTIONS\n");
        opt(b, "\\-\\-home \\fIDIR\\fR", "The state directory (default $CLOUDMESH_HOME, else ~/.cloudmesh).");
        opt(b, "\\-\\-file \\fIFILE\\fR", "Run the script FILE.");
        opt(b, "\\-\\-echo", "Print each command before it runs.");
        opt(b, "\\-\\-keep\\-going", "Do not stop a script at the first failing line.");
        opt(b, "\\-\\-debug", "Show the stack trace of an error.");
        b.append(".SH COMMANDS\n");
        for (CommandLine sub : visible(root)) {
            CommandSpec s = sub.getCommandSpec();
            b.append(".TP\n.BR cms\\-").append(esc(s.name())).append(" (1)\n").append(esc(firstLine(s))).append('\n');
        }
        b.append(".SH ENVIRONMENT\n");
        opt(b, "CLOUDMESH_HOME", "The state directory: cloudmesh.yaml, variables.yaml, history, known_hosts, plugins/.");
        opt(b, "CMS_DEBUG", "When set, behave as with --debug.");
        b.append(".SH FILES\n");
        opt(b, "$CLOUDMESH_HOME/cloudmesh.yaml", "Configuration (mode 0600; cms refuses a file that group or others can read).");
        opt(b, "$CLOUDMESH_HOME/variables.yaml", "Variables and defaults shared by all cms processes.");
        opt(b, "$CLOUDMESH_HOME/history", "The interactive shell's history.");
        b.append(".SH EXIT STATUS\n").append(esc("0 on success; the failing command's status (usually 1) otherwise.")).append('\n');
        return b.toString();
    }

    private String commandPage(CommandLine cl) {
        CommandSpec s = cl.getCommandSpec();
        StringBuilder b = header("cms-" + s.name(), firstLine(s));
        b.append(".SH SYNOPSIS\n");
        synopses(b, cl);
        b.append(".SH DESCRIPTION\n").append(esc(String.join(" ", text(s.usageMessage().description())))).append('\n');
        section(b, cl, true);
        for (CommandLine sub : visible(cl)) {
            b.append(".SH \"").append(esc(s.name() + " " + sub.getCommandName()).toUpperCase()).append("\"\n");
            b.append(esc(String.join(" ", text(sub.getCommandSpec().usageMessage().description())))).append('\n');
            section(b, sub, false);
        }
        List<String> footer = text(s.usageMessage().footer());
        if (!footer.isEmpty()) {
            b.append(".SH EXAMPLES\n.nf\n");
            for (String line : footer) {
                if (line.strip().equals("Examples:") || line.strip().equals("Example:") || line.isBlank()) continue;
                b.append(esc(line.strip())).append('\n');
            }
            b.append(".fi\n");
        }
        b.append(".SH SEE ALSO\n.BR cms (1)\n");
        return b.toString();
    }

    /** The subcommands that are not hidden, each once (picocli maps every alias to the same CommandLine). */
    private static java.util.Collection<CommandLine> visible(CommandLine cl) {
        java.util.Set<CommandLine> out = new java.util.LinkedHashSet<>(cl.getSubcommands().values());
        out.removeIf(sub -> sub.getCommandSpec().usageMessage().hidden());
        return out;
    }

    private static void synopses(StringBuilder b, CommandLine cl) {
        Help help = new Help(cl.getCommandSpec(), Help.defaultColorScheme(Help.Ansi.OFF));
        String syn = help.synopsis(0).strip();
        if (cl.getSubcommands().isEmpty() || cl.getCommandSpec().userObject() instanceof Runnable
                || cl.getCommandSpec().userObject() instanceof Callable) {
            b.append(".nf\n").append(esc(syn)).append("\n.fi\n");
        }
        for (CommandLine sub : visible(cl)) {
            synopses(b, sub);
        }
    }

    private static void section(StringBuilder b, CommandLine cl, boolean top) {
        CommandSpec s = cl.getCommandSpec();
        List<PositionalParamSpec> params = s.positionalParameters();
        List<OptionSpec> options = s.options().stream().filter(o -> !o.hidden() && !o.usageHelp() && !o.versionHelp()).toList();
        if (params.stream().anyMatch(p -> p.description().length > 0) || !options.isEmpty()) {
            if (top) b.append(".SH OPTIONS\n");
            for (PositionalParamSpec p : params) {
                if (p.description().length == 0) continue;
                opt(b, "\\fI" + esc(p.paramLabel()) + "\\fR", String.join(" ", text(p.description())));
            }
            for (OptionSpec o : options) {
                String names = esc(String.join(", ", o.names()));
                String label = o.typeInfo().isBoolean() ? "" : " \\fI" + esc(o.paramLabel()) + "\\fR";
                String desc = String.join(" ", text(o.description())).replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
                opt(b, "\\fB" + names + "\\fR" + label, desc);
            }
        }
    }

    private static StringBuilder header(String name, String summary) {
        StringBuilder b = new StringBuilder();
        b.append(".\\\" generated by 'cms docs' from the command model; do not edit\n");
        b.append(".TH ").append(esc(name).toUpperCase()).append(" 1 \"").append(LocalDate.now()).append("\" \"cms ")
                .append(Plugins.CMS_VERSION).append("\" \"cms manual\"\n");
        b.append(".SH NAME\n").append(esc(name)).append(" \\- ").append(esc(summary)).append('\n');
        return b;
    }

    private static void opt(StringBuilder b, String term, String text) {
        b.append(".TP\n").append(term).append('\n').append(esc(text)).append('\n');
    }

    private static String firstLine(CommandSpec s) {
        String[] d = s.usageMessage().description();
        return d.length == 0 ? s.name() : text(d).get(0);
    }

    private static List<String> text(String[] lines) {
        return java.util.Arrays.stream(lines).flatMap(l -> java.util.Arrays.stream(l.split("%n", -1))).toList();
    }

    /** Escapes text for roff: backslashes, hyphens, and a leading dot or quote. */
    static String esc(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}
