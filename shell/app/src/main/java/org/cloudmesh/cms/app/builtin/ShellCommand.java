package org.cloudmesh.cms.app.builtin;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "shell", description = {"Run a system command with /bin/sh; '!COMMAND' is the same.",
        "The exit status is the command's."}, footer = {"%nExamples:", "  shell squeue -u $USER", "  !ls -l"})
public final class ShellCommand implements Callable<Integer> {
    private final Context ctx;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The system command and its arguments, run by /bin/sh.")
    List<String> command;

    public ShellCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        // The words are the user's own command for their own shell: this is the one place where raw text
        // is meant to reach sh.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", String.join(" ", command));
        ctx.out().flush();
        if (ctx.interactive()) {
            pb.inheritIO();
            return pb.start().waitFor();
        }
        pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectErrorStream(false);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CmsException("cannot run /bin/sh: " + e.getMessage(), e);
        }
        Thread errPump = new Thread(() -> pump(p.getErrorStream(), true));
        errPump.start();
        pump(p.getInputStream(), false);
        int status = p.waitFor();
        errPump.join();
        return status;
    }

    private void pump(InputStream in, boolean toErr) {
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) > 0; ) {
                String s = new String(buf, 0, n);
                synchronized (ctx) {
                    (toErr ? ctx.err() : ctx.out()).print(s);
                    (toErr ? ctx.err() : ctx.out()).flush();
                }
            }
        } catch (IOException e) {
            // the process closed its output: nothing more to copy
        }
    }
}
