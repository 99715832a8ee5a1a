package org.cloudmesh.cms.app.builtin;

import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "banner", description = "Print the text framed by a line of characters above and below.",
        footer = {"%nExample:", "  banner -c = Starting the benchmark"})
public final class BannerCommand implements Callable<Integer> {
    private final Context ctx;

    @Option(names = {"-c", "--char"}, paramLabel = "CHAR", defaultValue = "#", description = "Frame character (default: ${DEFAULT-VALUE}).")
    String ch;

    @Option(names = {"-n", "--width"}, paramLabel = "WIDTH", defaultValue = "70", description = "Line width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = {"-i", "--indent"}, paramLabel = "INDENT", defaultValue = "0", description = "Indentation (default: ${DEFAULT-VALUE}).")
    int indent;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "The text inside the banner.")
    List<String> words;

    public BannerCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (ch.length() != 1) throw new CmsException("banner --char '" + ch + "': give exactly one character");
        if (width < 1 || width > 1000) throw new CmsException("banner --width " + width + ": use 1 to 1000");
        if (indent < 0 || indent > 200) throw new CmsException("banner --indent " + indent + ": use 0 to 200");
        String pad = " ".repeat(indent);
        String rule = pad + ch.repeat(width);
        ctx.out().println(rule);
        ctx.out().println(pad + ch + " " + String.join(" ", words));
        ctx.out().println(rule);
        return 0;
    }
}
