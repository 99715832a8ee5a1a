package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster get NAME SOURCE DESTINATION}: copy a file from the nodes. */
@Command(name = "get", description = {"Copy a file from the nodes.", "SOURCE on the nodes comes to local DESTINATION, through the manager; with",
        "several nodes DESTINATION is a directory and each copy goes to DESTINATION/NODE/FILE."})
final class GetCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Parameters(index = "1", paramLabel = "SOURCE", description = "the path on the nodes") String source;
    @Parameters(index = "2", paramLabel = "DESTINATION", description = "the local file, or directory for several nodes") Path destination;
    @Option(names = "--nodes", paramLabel = "HOSTLIST", description = "only these nodes (default: all)") String nodes;

    @Override
    public Integer call() {
        Cluster c = clusters().require(name);
        List<String> targets = FanOut.targets(ctx(), c, nodes);
        String base = source.substring(source.lastIndexOf('/') + 1);
        if (base.isEmpty() || base.equals(".") || base.equals("..")) throw new CmsException("get " + source + ": name a file, not a directory");
        try (Remote r = new Remote(ctx().home(), c)) {
            Map<String, Remote.Result> results = r.fanOut(targets, "cat -- " + ShellQuote.quote(source), null, seconds(600, "--timeout"));
            for (Remote.Result x : results.values()) {
                if (x.status() != 0) continue;
                Path to = targets.size() == 1 ? destination : destination.resolve(x.node()).resolve(base);
                try {
                    if (to.getParent() != null) Files.createDirectories(to.getParent());
                    Files.write(to, x.stdout());
                } catch (IOException e) {
                    throw new CmsException("cannot write " + to + ": " + e.getMessage());
                }
                ctx().out().println(x.node() + ": " + source + " -> " + to);
            }
            FanOut.summary(ctx(), results);
            return results.values().stream().mapToInt(Remote.Result::status).max().orElse(0);
        }
    }
}
