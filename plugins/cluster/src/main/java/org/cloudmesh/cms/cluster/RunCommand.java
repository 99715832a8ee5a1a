package org.cloudmesh.cms.cluster;

import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster run NAME COMMAND}: run a command on the nodes in parallel, through the manager. */
@Command(name = "run", description = {"Run COMMAND on the nodes in parallel, through the manager.",
        "Output lines are prefixed 'NODE: '; a summary names the nodes that failed or",
        "could not be reached; the exit status is the worst of them (255: unreachable).",
        "--nodes HOSTLIST picks nodes (the manager too, by name or 'manager').",
        "Quote COMMAND when it has options or shell syntax: cluster run lab 'df -h /'."})
final class RunCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "the command line to run on every node") List<String> command;
    @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "give up after this long (default: ${DEFAULT-VALUE})") double timeout;

    @Override
    public Integer call() {
        String cmd = String.join(" ", command);
        if (cmd.isBlank()) throw new CmsException("COMMAND is empty: give the command to run");
        Cluster c = clusters().require(name);
        List<String> targets = FanOut.targets(ctx(), c, nodes);
        try (Remote r = new Remote(ctx().home(), c)) {
            Map<String, Remote.Result> results = r.fanOut(targets, cmd, null, seconds(timeout, "--timeout"));
            int worst = 0;
            for (Remote.Result x : results.values()) {
                FanOut.prefixed(ctx().out(), x.node(), x.out());
                FanOut.prefixed(ctx().err(), x.node(), x.stderr());
                worst = Math.max(worst, x.status() < 0 ? 255 : x.status());
            }
            FanOut.summary(ctx(), results);
            return worst;
        }
    }
}
