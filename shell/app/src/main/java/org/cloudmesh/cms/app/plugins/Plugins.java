package org.cloudmesh.cms.app.plugins;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CommandPlugin;
import org.cloudmesh.cms.api.Context;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.cloudmesh.cms.app.Commands;

/**
 * PF4J over the distribution's plugins/ and $CLOUDMESH_HOME/plugins. A plugin that cannot be loaded,
 * started or asked for its commands is reported in one line and left out; the shell goes on without it.
 */
public final class Plugins {
    public static final String CMS_VERSION = "0.1.0";

    private final PluginManager manager;
    private final List<String> problems;
    /** plugin id → the top-level commands it contributed */
    private final Map<String, List<String>> commands = new LinkedHashMap<>();

    private Plugins(PluginManager manager, List<String> problems) {
        this.manager = manager;
        this.problems = problems;
    }

    public static Plugins load(Path dist, Path home, PrintWriter err) {
        List<Path> roots = new ArrayList<>();
        if (dist != null && Files.isDirectory(dist.resolve("plugins"))) roots.add(dist.resolve("plugins"));
        if (Files.isDirectory(home.resolve("plugins"))) roots.add(home.resolve("plugins"));
        List<String> problems = new ArrayList<>();
        DefaultPluginManager manager = new ShellPluginManager(roots) {
            @Override
            protected PluginWrapper loadPluginFromPath(Path path) {
                try {
                    return super.loadPluginFromPath(path);
                } catch (RuntimeException e) {
                    problems.add("plugin " + path + " was not loaded: " + reason(e));
                    throw e;
                }
            }
        };
        manager.setSystemVersion(CMS_VERSION);
        if (!roots.isEmpty()) {
            manager.loadPlugins();
            manager.startPlugins();
        }
        for (PluginWrapper p : manager.getPlugins()) {
            if (p.getPluginState() == PluginState.FAILED || p.getPluginState() == PluginState.RESOLVED) {
                Throwable t = p.getFailedException();
                problems.add("plugin " + p.getPluginId() + " did not start" + (t == null ? "" : ": " + reason(t)));
            }
        }
        Plugins plugins = new Plugins(manager, problems);
        for (String problem : problems) err.println("WARNING: " + problem);
        err.flush();
        return plugins;
    }

    /** Adds every started plugin's commands to the root command; a clash or a failure skips that one. */
    public void addCommands(Commands root, Context ctx) {
        for (PluginWrapper p : manager.getStartedPlugins()) {
            List<String> names = new ArrayList<>();
            commands.put(p.getPluginId(), names);
            try {
                for (CommandPlugin cp : manager.getExtensions(CommandPlugin.class, p.getPluginId())) {
                    for (Object command : cp.commands(ctx)) {
                        picocli.CommandLine.Command a = command.getClass().getAnnotation(picocli.CommandLine.Command.class);
                        String name = a == null ? command.getClass().getName() : a.name();
                        if (a == null) {
                            warn(ctx, "plugin " + p.getPluginId() + ": " + name + " is not a picocli @Command; skipped");
                            continue;
                        }
                        if (root.has(name)) {
                            warn(ctx, "plugin " + p.getPluginId() + ": command '" + name + "' is already defined; skipped");
                            continue;
                        }
                        root.add(command);
                        names.add(name);
                    }
                }
            } catch (RuntimeException | LinkageError e) {
                warn(ctx, "plugin " + p.getPluginId() + " failed to provide its commands: " + reason(e));
            }
        }
    }

    private static void warn(Context ctx, String message) {
        ctx.err().println("WARNING: " + message);
        ctx.err().flush();
    }

    public List<PluginWrapper> all() {
        return manager.getPlugins();
    }

    public List<String> commandsOf(String pluginId) {
        return commands.getOrDefault(pluginId, List.of());
    }

    public List<String> problems() {
        return problems;
    }

    public <T> List<T> extensions(Class<T> type) {
        return manager.getExtensions(type);
    }

    static String reason(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }
}
