package org.cloudmesh.cms.app.builtin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.app.ShellContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "history", description = {"List the commands typed at the cms> prompt, newest last.",
        "The history lives in $CLOUDMESH_HOME/history; Ctrl-R searches it in the shell."})
public final class HistoryCommand implements Callable<Integer> {
    private final ShellContext ctx;

    @Parameters(paramLabel = "COUNT", arity = "0..1", description = "Show only the last COUNT entries.")
    Integer count;

    @Option(names = "--clear", description = "Forget the whole history.")
    boolean clear;

    public HistoryCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws IOException {
        Path file = ctx.home().resolve("history");
        if (ctx.history != null) ctx.history.run(); // the REPL saves what it holds first
        if (clear) {
            Files.deleteIfExists(file);
            if (ctx.historyClear != null) ctx.historyClear.run();
            return 0;
        }
        if (count != null && count < 0) throw new CmsException("history " + count + ": give a positive count");
        List<String> lines = new ArrayList<>();
        if (Files.exists(file)) {
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                // JLine writes "epochMillis:command" with backslash-escaped newlines
                int colon = l.indexOf(':');
                lines.add(colon > 0 && l.substring(0, colon).chars().allMatch(Character::isDigit) ? l.substring(colon + 1) : l);
            }
        }
        int from = count == null ? 0 : Math.max(0, lines.size() - count);
        for (int i = from; i < lines.size(); i++) ctx.out().printf("%5d  %s%n", i + 1, lines.get(i));
        return 0;
    }
}
