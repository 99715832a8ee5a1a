package org.cloudmesh.cms.app.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.app.ShellContext;
import org.pf4j.PluginWrapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "plugin", description = {"Look at the plugins cms has loaded.",
        "Plugins are jars in the distribution's plugins/ folder and in $CLOUDMESH_HOME/plugins."})
public final class PluginCommand {
    private final ShellContext ctx;

    public PluginCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Command(name = "list", description = "List the plugins: id, version, state, commands, and file.")
    int list(@Mixin OutputOption output) {
        ctx.commands.addPluginCommands(); // the commands column
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PluginWrapper p : ctx.plugins().all()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", p.getPluginId());
            row.put("version", p.getDescriptor().getVersion());
            row.put("state", p.getPluginState().toString().toLowerCase());
            row.put("commands", String.join(" ", ctx.plugins().commandsOf(p.getPluginId())));
            row.put("path", p.getPluginPath().toString());
            rows.add(row);
        }
        ctx.printer(output.format).list(List.of("id", "version", "state", "commands", "path"), rows);
        return 0;
    }
}
