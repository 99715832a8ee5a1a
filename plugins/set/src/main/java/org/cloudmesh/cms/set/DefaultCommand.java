package org.cloudmesh.cms.set;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.VariableNames;
import org.cloudmesh.cms.api.Variables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code default}: values grouped by context (a cloud name, a command, or {@code global}).
 * <pre>
 * default KEY=VALUE [--context C]     set, print KEY=VALUE
 * default KEY [--context C]           print KEY=value; fails when not set
 * default [list] [--context C] [--output F]   columns context, key, value
 * default delete KEY [--context C]    fails when not set
 * default delete --context C          the whole context
 * </pre>
 */
@Command(name = "default", descriptionHeading = "%n", parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n",
        description = {"Set, show and delete defaults, grouped by context.", "",
                "A default is a KEY=VALUE pair in a context: a cloud name, a command name, or global (the context"
                        + " when --context is not given). Defaults are kept in $CLOUDMESH_HOME/variables.yaml"
                        + " beside the variables.", "",
                "In any command line default.KEY and default.CONTEXT.KEY stand for a default's value."
                        + " Keys and context names are letters, digits, '_' and '-'."},
        footer = {"%nExamples:",
                "  default image=ubuntu-22.04 --context aws",
                "  default image --context aws",
                "  default output=json",
                "  default list",
                "  default list --context aws --output yaml",
                "  default delete image --context aws",
                "  default delete --context aws",
                "  vm boot --image=default.aws.image"},
        subcommands = {DefaultCommand.ListDefaults.class, DefaultCommand.DeleteDefaults.class})
public final class DefaultCommand implements Callable<Integer> {
    private static final List<String> COLUMNS = List.of("context", "key", "value");

    final Context ctx;

    @Mixin
    HelpOption help;

    @Option(names = {"-c", "--context"}, paramLabel = "CONTEXT",
            description = "The context (default: global).")
    String context;

    @Mixin
    OutputOption output;

    @Parameters(paramLabel = "KEY[=VALUE]", arity = "0..*",
            description = "KEY=VALUE sets a default (quote a VALUE with spaces), KEY shows it;"
                    + " with none, the defaults are listed.")
    List<String> words;

    public DefaultCommand(Context ctx) {
        this.ctx = ctx;
    }

    private String context(String own) {
        String c = own != null ? own : context;
        return c == null ? Variables.GLOBAL : VariableNames.context(c);
    }

    @Override
    public Integer call() {
        if (words == null || words.isEmpty()) {
            list(context == null ? null : context(null), output);
            return 0;
        }
        String c = context(null);
        boolean assigning = words.stream().anyMatch(w -> w.indexOf('=') >= 0);
        if (!assigning) {
            List<String> lines = new ArrayList<>();
            for (String key : words) {
                Optional<String> value = ctx.variables().getDefault(c, key);
                if (value.isEmpty()) {
                    VariableNames.key(key);
                    throw notSet(key, c);
                }
                lines.add(key + "=" + value.get());
            }
            lines.forEach(ctx.out()::println);
            ctx.out().flush();
            return 0;
        }
        Map<String, String> assignments = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw new CmsException("'" + w + "' is not KEY=VALUE: default either assigns or shows; to set a"
                        + " value with spaces, quote it: default msg=\"hello world\"");
            }
            assignments.put(VariableNames.key(w.substring(0, eq)), w.substring(eq + 1));
        }
        assignments.forEach((key, value) -> {
            ctx.variables().setDefault(c, key, value);
            ctx.out().println(key + "=" + value);
        });
        ctx.out().flush();
        return 0;
    }

    private static CmsException notSet(String key, String context) {
        return new CmsException("default '" + key + "' is not set in context '" + context + "': set it with 'default "
                + key + "=VALUE" + (Variables.GLOBAL.equals(context) ? "" : " --context " + context) + "'");
    }

    /** Lists the defaults of one context, or of all when context is null. */
    private void list(String only, OutputOption format) {
        List<Map<String, String>> rows = new ArrayList<>();
        ctx.variables().defaults().forEach((c, values) -> {
            if (only != null && !only.equals(c)) return;
            values.forEach((k, v) -> rows.add(Map.of("context", c, "key", k, "value", v)));
        });
        ctx.printer(format.format).list(COLUMNS, rows);
    }

    @Command(name = "list", descriptionHeading = "%n", parameterListHeading = "%n",
            optionListHeading = "%nOptions:%n", description = {"List defaults.", "",
            "All contexts, or only the one given with --context; as a table (or the format of the variable"
                    + " 'output') with the columns context, key and value."})
    static final class ListDefaults implements Callable<Integer> {
        @ParentCommand
        DefaultCommand parent;

        @Mixin
        HelpOption help;

        @Option(names = {"-c", "--context"}, paramLabel = "CONTEXT", description = "Only this context.")
        String context;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            String only = context != null || parent.context != null ? parent.context(context) : null;
            parent.list(only, output.format != null ? output : parent.output);
            return 0;
        }
    }

    @Command(name = "delete", descriptionHeading = "%n", parameterListHeading = "%n",
            optionListHeading = "%nOptions:%n", description = {"Delete a default, or a whole context.", "",
            "'default delete KEY' deletes KEY from the context (global unless --context is given);"
                    + " 'default delete --context CONTEXT' deletes every default of CONTEXT. Fails, deleting"
                    + " nothing, when there is nothing to delete."})
    static final class DeleteDefaults implements Callable<Integer> {
        @ParentCommand
        DefaultCommand parent;

        @Mixin
        HelpOption help;

        @Option(names = {"-c", "--context"}, paramLabel = "CONTEXT", description = "The context (default: global).")
        String context;

        @Parameters(paramLabel = "KEY", arity = "0..1", description = "The default to delete.")
        String key;

        @Override
        public Integer call() {
            Variables vars = parent.ctx.variables();
            String explicit = context != null ? context : parent.context;
            if (key == null) {
                if (explicit == null) {
                    throw new CmsException("default delete needs a KEY, or --context CONTEXT to delete a whole"
                            + " context (see 'default delete --help')");
                }
                String c = VariableNames.context(explicit);
                if (!vars.deleteContext(c)) {
                    throw new CmsException("context '" + c + "' has no defaults, so there is nothing to delete"
                            + " (see 'default list')");
                }
                return 0;
            }
            String c = parent.context(context);
            if (!vars.deleteDefault(c, key)) {
                VariableNames.key(key);
                throw new CmsException("default '" + key + "' is not set in context '" + c + "', so it cannot be"
                        + " deleted (see 'default list')");
            }
            return 0;
        }
    }
}
