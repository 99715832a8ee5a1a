package org.cloudmesh.cms.comet.rename;

import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.cloudmesh.cms.comet.cmd.CometRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code comet node rename CLUSTER OLDNAMES NEWNAMES [--yes]}. */
@Command(name = "rename", description = {"Rename compute nodes: OLDNAMES and NEWNAMES are hostlists of equal length",
    "(vm-vc2-[0-3] -> node-[0-3]). Store and libvirt change together or not at all; defined domains must be shut off.",
    "Asks for confirmation in the REPL; scripts pass --yes."})
public final class RenameCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    CometCommand.EndpointOption endpointOption;
    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation (needed in scripts).")
    boolean yes;
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster whose nodes are renamed.") String cluster;
    @Parameters(index = "1", paramLabel = "OLDNAMES", description = "The nodes' names now, as a hostlist (vm-vc2-[0-3]).") String oldNames;
    @Parameters(index = "2", paramLabel = "NEWNAMES", description = "Their new names, as many, in the same order (node-[0-3]).") String newNames;

    @Override
    public Integer call() {
        Names.require("cluster", cluster);
        Context ctx = CometRoot.context(spec);
        CometService s = CometRoot.backend(spec, endpointOption);
        Map<String, String> plan = s.renamePlan(cluster, oldNames, newNames);
        plan.forEach((o, n) -> ctx.out().println(o + " -> " + n));
        ctx.out().flush();
        if (!yes) {
            if (!ctx.interactive()) throw new CmsException("renaming needs confirmation: add --yes in scripts; nothing renamed");
            if (!ctx.confirm("Confirm batch renaming (Y/y to confirm, any other key to abort):")) {
                ctx.out().println("Aborted: nothing renamed.");
                ctx.out().flush();
                return 0;
            }
        }
        Map<String, String> what = s.rename(cluster, oldNames, newNames);
        ctx.out().println("Renamed " + plan.size() + " node(s) of " + cluster + " (" + what.values().stream().filter(v -> v.startsWith("domain")).count()
                + " libvirt domain(s)).");
        ctx.out().flush();
        return 0;
    }
}
