package org.cloudmesh.cms.set;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.VariableNames;
import org.cloudmesh.cms.api.Variables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code set} and its alias {@code var}: the persistent variables.
 * <pre>
 * set NAME=VALUE...      set, print NAME='VALUE'
 * set NAME...            print NAME='value'; fails when one is not set
 * set | set list         all variables, name='value' a line, or --output table|json|yaml|csv
 * set delete NAME...     fails when one is not set
 * set clear              deletes every variable (not the defaults)
 * </pre>
 */
@Command(name = "set", aliases = "var", descriptionHeading = "%n", parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n",
        description = {"Set, show and delete variables.", "",
                "Variables are kept in $CLOUDMESH_HOME/variables.yaml and shared by every cms process: changes are"
                        + " written under a lock, so two shells never lose each other's changes."
                        + " 'var' is the same command.", "",
                "In any command line $NAME, $${NAME} and var.NAME stand for a variable's value (\\$ is a literal"
                        + " dollar sign, and text in single quotes is left alone); a variable that is not set"
                        + " is an error.", "",
                "Some variables mean something to cms: cloud (the cloud entry of cloudmesh.yaml that vm commands"
                        + " use; setting it to a name that is not defined there warns), output (the default"
                        + " --output format of listings), timer (on: each command's time, and the shell's load"
                        + " time, on stderr), debug and trace (on/off; these three are stored as True/False)."},
        footer = {"%nExamples:",
                "  set cloud=aws",
                "  set msg=\"hello world\"",
                "  set cloud",
                "  set",
                "  set list --output json",
                "  set delete msg",
                "  var image=ubuntu-22.04",
                "  echo the cloud is $cloud and the image $${image}"},
        subcommands = {SetCommand.ListVariables.class, SetCommand.DeleteVariables.class,
                SetCommand.ClearVariables.class})
public final class SetCommand implements Callable<Integer> {
    /** Values of these variables are stored as True or False, as the Python cms does. */
    private static final Set<String> SWITCHES = Set.of("debug", "trace", "timer");

    final Context ctx;

    @Mixin
    HelpOption help;

    @Option(names = "--output", paramLabel = "FORMAT", converter = OutputOption.Converter.class,
            description = "List as a table, json, yaml or csv (default: one name='value' a line).")
    Format output;

    @Parameters(paramLabel = "NAME[=VALUE]", arity = "0..*",
            description = "NAME=VALUE sets a variable (quote a VALUE with spaces), NAME shows it;"
                    + " with none, all variables are listed.")
    List<String> words;

    public SetCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (words == null || words.isEmpty()) {
            list(ctx, output);
            return 0;
        }
        boolean assigning = words.stream().anyMatch(w -> w.indexOf('=') >= 0);
        if (!assigning) {
            show();
            return 0;
        }
        for (String w : words) {
            if (w.indexOf('=') < 0) {
                throw new CmsException("'" + w + "' is not NAME=VALUE: set either assigns or shows; to set a value"
                        + " with spaces, quote it: set msg=\"hello world\"");
            }
        }
        assign();
        return 0;
    }

    private void show() {
        Variables vars = ctx.variables();
        List<String> lines = new ArrayList<>();
        for (String name : words) {
            Optional<String> value = vars.get(name);
            if (value.isEmpty()) {
                VariableNames.variable(name); // a malformed name says so
                throw new CmsException("variable '" + name + "' is not set: set it with 'set " + name + "=VALUE'");
            }
            lines.add(name + "='" + value.get() + "'");
        }
        lines.forEach(ctx.out()::println);
        ctx.out().flush();
    }

    private void assign() {
        Map<String, String> assignments = new LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            String name = VariableNames.variable(w.substring(0, eq));
            assignments.put(name, normalise(name, w.substring(eq + 1)));
        }
        assignments.forEach((name, value) -> {
            if (name.equals("cloud")) checkCloud(value);
            ctx.variables().set(name, value);
            ctx.out().println(name + "='" + value + "'");
        });
        ctx.out().flush();
    }

    /** debug, trace, timer: on/true/yes/1 → True, off/false/no/0 → False; any other value as given. */
    static String normalise(String name, String value) {
        if (!SWITCHES.contains(name)) return value;
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1", "t" -> "True";
            case "off", "false", "no", "0", "f" -> "False";
            default -> value;
        };
    }

    /** Warns, without failing, when the cloud is not an entry of cloudmesh.yaml. */
    private void checkCloud(String cloud) {
        try {
            Config config = ctx.config();
            Map<String, Object> clouds = config.getMap("cloudmesh.cloud");
            if (clouds.containsKey(cloud)) return;
            ctx.err().println("WARNING: cloud '" + cloud + "' is not defined in " + config.file() + "; "
                    + (clouds.isEmpty() ? "no clouds are defined there" : "defined clouds: "
                    + String.join(", ", new java.util.TreeSet<>(clouds.keySet()))));
        } catch (CmsException e) {
            ctx.err().println("WARNING: cannot check cloud '" + cloud + "': " + e.getMessage());
        }
        ctx.err().flush();
    }

    /** Lists all variables: name='value' lines, or the format asked for with --output. */
    static void list(Context ctx, Format format) {
        Map<String, String> all = ctx.variables().all();
        if (format == null) {
            all.forEach((name, value) -> ctx.out().println(name + "='" + value + "'"));
            ctx.out().flush();
            return;
        }
        List<Map<String, String>> rows = new ArrayList<>();
        all.forEach((name, value) -> rows.add(Map.of("name", name, "value", value)));
        ctx.printer(format).list(List.of("name", "value"), rows);
    }

    @Command(name = "list", descriptionHeading = "%n", parameterListHeading = "%n",
            optionListHeading = "%nOptions:%n", description = {"List all variables.", "",
            "Without --output one name='value' a line (the variable 'output' does not change this, so scripts can"
                    + " rely on it); with --output a table, JSON, YAML or CSV with the columns name and value."})
    static final class ListVariables implements Callable<Integer> {
        @ParentCommand
        SetCommand parent;

        @Mixin
        HelpOption help;

        @Option(names = "--output", paramLabel = "FORMAT", converter = OutputOption.Converter.class,
                description = "table, json, yaml or csv (default: one name='value' a line).")
        Format output;

        @Override
        public Integer call() {
            list(parent.ctx, output != null ? output : parent.output);
            return 0;
        }
    }

    @Command(name = "delete", descriptionHeading = "%n", parameterListHeading = "%n",
            optionListHeading = "%nOptions:%n", description = {"Delete variables.", "",
            "Fails, deleting nothing, when one of them is not set."})
    static final class DeleteVariables implements Callable<Integer> {
        @ParentCommand
        SetCommand parent;

        @Mixin
        HelpOption help;

        @Parameters(paramLabel = "NAME", arity = "1..*", description = "The variables to delete.")
        List<String> names;

        @Override
        public Integer call() {
            Variables vars = parent.ctx.variables();
            for (String name : names) {
                if (vars.get(name).isEmpty()) {
                    VariableNames.variable(name);
                    throw new CmsException("variable '" + name + "' is not set, so it cannot be deleted"
                            + " (see 'set list')");
                }
            }
            for (String name : names) vars.delete(name);
            return 0;
        }
    }

    @Command(name = "clear", descriptionHeading = "%n", parameterListHeading = "%n",
            optionListHeading = "%nOptions:%n",
            description = {"Delete all variables.", "", "Defaults are kept; see 'default delete'."})
    static final class ClearVariables implements Callable<Integer> {
        @ParentCommand
        SetCommand parent;

        @Mixin
        HelpOption help;

        @Override
        public Integer call() {
            parent.ctx.variables().clear();
            return 0;
        }
    }
}
