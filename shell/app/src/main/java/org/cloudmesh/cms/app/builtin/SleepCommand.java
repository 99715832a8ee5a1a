package org.cloudmesh.cms.app.builtin;

import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "sleep", description = "Wait for the given number of seconds (fractions allowed).")
public final class SleepCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SECONDS", description = "How long to wait, 0 to 604800 (fractions allowed, e.g. 0.5).")
    double seconds;

    @Override
    public Integer call() throws InterruptedException {
        if (!(seconds >= 0) || seconds > 86_400 * 7) {
            throw new CmsException("sleep " + seconds + ": give a number of seconds from 0 to 604800");
        }
        spec.commandLine().getOut().flush(); // what came before the pause is visible during it
        Thread.sleep((long) (seconds * 1000));
        return 0;
    }
}
