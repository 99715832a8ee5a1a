package org.cloudmesh.cms.app.builtin;

import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "pause", description = {"Wait until RETURN is pressed.", "In scripts and piped input it does nothing."})
public final class PauseCommand implements Callable<Integer> {
    private final Context ctx;

    @Parameters(paramLabel = "MESSAGE", arity = "0..*", description = "What to show while waiting for Enter.")
    List<String> message;

    public PauseCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (!ctx.interactive()) return 0;
        ctx.prompt((message == null ? "Press ENTER to continue" : String.join(" ", message)) + " ");
        return 0;
    }
}
