package org.cloudmesh.cms.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster put NAME SOURCE DESTINATION}: copy a local file to the nodes. */
@Command(name = "put", description = {"Copy a local file to the nodes.", "SOURCE goes to DESTINATION on every node (or --nodes), through the manager."})
final class PutCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Parameters(index = "1", paramLabel = "SOURCE", description = "the local file") Path source;
    @Parameters(index = "2", paramLabel = "DESTINATION", description = "the path on each node") String destination;
    @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(source)) throw new CmsException("no file " + source + " to copy");
        Cluster c = clusters().require(name);
        List<String> targets = FanOut.targets(ctx(), c, nodes);
        try (Remote r = new Remote(ctx().home(), c)) {
            String staged = r.stage(source);
            Map<String, Remote.Result> results = r.fanOut(targets, "cat > " + ShellQuote.quote(destination), staged, seconds(600, "--timeout"));
            for (Remote.Result x : results.values()) {
                if (x.status() == 0) ctx().out().println(x.node() + ": " + source + " -> " + destination);
            }
            FanOut.summary(ctx(), results);
            return results.values().stream().mapToInt(Remote.Result::status).max().orElse(0);
        }
    }
}
