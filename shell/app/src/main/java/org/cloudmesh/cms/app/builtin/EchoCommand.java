package org.cloudmesh.cms.app.builtin;

import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "echo", description = "Print the words, separated by one space.",
        footer = {"%nExample:", "  echo the cloud is $cloud"})
public final class EchoCommand implements Callable<Integer> {
    private final Context ctx;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "The words to print, separated by one space.")
    List<String> words;

    public EchoCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        ctx.out().println(words == null ? "" : String.join(" ", words));
        return 0;
    }
}
