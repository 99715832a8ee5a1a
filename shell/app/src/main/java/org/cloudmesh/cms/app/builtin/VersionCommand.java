package org.cloudmesh.cms.app.builtin;

import java.util.concurrent.Callable;
import org.cloudmesh.cms.app.ShellContext;
import org.cloudmesh.cms.app.plugins.Plugins;
import org.pf4j.PluginWrapper;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the version of cms, of Java, and of each plugin.")
public final class VersionCommand implements Callable<Integer> {
    private final ShellContext ctx;

    public VersionCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        ctx.out().println("cms " + Plugins.CMS_VERSION + " (Java " + Runtime.version() + ")");
        for (PluginWrapper p : ctx.plugins().all()) {
            ctx.out().println("plugin " + p.getPluginId() + " " + p.getDescriptor().getVersion());
        }
        return 0;
    }
}
