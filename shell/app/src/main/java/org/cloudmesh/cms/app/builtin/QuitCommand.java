package org.cloudmesh.cms.app.builtin;

import java.util.concurrent.Callable;
import org.cloudmesh.cms.app.ShellContext;
import picocli.CommandLine.Command;

@Command(name = "quit", aliases = {"exit", "q"}, description = "Leave the shell (in a script: end the script).")
public final class QuitCommand implements Callable<Integer> {
    private final ShellContext ctx;

    public QuitCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        ctx.quit = true; // the shell ends after this command returns
        return 0;
    }
}
