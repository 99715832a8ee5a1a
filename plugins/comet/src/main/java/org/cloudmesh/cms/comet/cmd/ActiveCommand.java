package org.cloudmesh.cms.comet.cmd;

import java.util.Map;
import java.util.TreeMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.remote.RemoteService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet active [ENDPOINT]}: show or set the active endpoint. */
@Command(name = "active", description = "Show the active comet endpoint, or make ENDPOINT the active one.")
final class ActiveCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ENDPOINT", description = "An endpoint of cloudmesh.comet.endpoints")
    String name;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        var config = ctx().config();
        Map<String, Object> all = new TreeMap<>(config.getMap(Endpoint.ROOT + ".endpoints"));
        if (name == null) {
            String active = config.getString(Endpoint.ROOT + ".active").orElse(null);
            if (active == null) {
                throw new CmsException("no comet endpoint is active: run 'comet active ENDPOINT' (endpoints: "
                        + (all.isEmpty() ? "none configured" : String.join(", ", all.keySet())) + ")");
            }
            ctx().out().println("Current active service endpoint is: " + active);
            return 0;
        }
        if (!all.containsKey(name)) {
            throw new CmsException("'" + name + "' does not match any available service endpoints. Try "
                    + (all.isEmpty() ? "importing one with 'config import FILE'" : String.join("/", all.keySet())) + ".");
        }
        if (!RemoteService.isRemote(config, name)) Endpoint.select(config, name);   // validates the entry
        config.set(Endpoint.ROOT + ".active", name);
        ctx().out().println("Current active service endpoint is: " + name);
        return 0;
    }
}
