package org.cloudmesh.cms.comet.cmd;

import java.util.List;
import java.util.Locale;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.power.PowerAction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet power on|off|reboot|reset|shutdown CLUSTER [HOSTLIST|COMPUTESET_ID]}. */
@Command(name = "power", description = {"Power on, off, reboot, reset or shut down nodes of a cluster.",
        "No target: the frontend; a HOSTLIST: compute nodes in a running computeset;",
        "a computeset ID: all its nodes (reboot, reset and shutdown only)."})
final class PowerCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Parameters(index = "0", paramLabel = "ACTION", description = "One of: ${COMPLETION-CANDIDATES}",
            completionCandidates = Actions.class) String action;
    @Parameters(index = "1", paramLabel = "CLUSTER", description = "The cluster") String cluster;
    @Parameters(index = "2", arity = "0..1", paramLabel = "TARGET", description = "HOSTLIST or COMPUTESET_ID") String target;

    /** The actions, in the order help and TAB show them. */
    static final class Actions extends java.util.ArrayList<String> {
        Actions() {
            super(List.of("on", "off", "reboot", "reset", "shutdown"));
        }
    }

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        PowerAction a;
        try {
            a = PowerAction.valueOf(action.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException x) {
            throw new CmsException("unknown power action '" + action + "': use on, off, reboot, reset or shutdown");
        }
        Names.require("cluster", cluster);
        if (target != null && !target.matches("[0-9]{1,18}")) Hostlist.expand(target);
        List<String> done = svc().power(cluster, a, target);
        ctx().out().println("Request Accepted. In the process of " + a.label() + " " + Hostlist.compress(done));
        return 0;
    }
}
