package org.cloudmesh.cms.app.builtin;

import java.util.concurrent.Callable;
import org.cloudmesh.cms.app.Shell;
import picocli.CommandLine.Command;

@Command(name = "quit", aliases = {"exit", "q"}, description = "Leave the shell (in a script: end the script).")
public final class QuitCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Shell.QuitSignal();
    }
}
