package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm get SOURCE DESTINATION [NAMES]}: copy a file from the VMs (sftp). */
@Command(name = "get", description = {"Copy SOURCE on every VM of NAMES to local DESTINATION (sftp);"
            + " with several VMs DESTINATION is a directory and each VM's copy goes to DESTINATION/NAME/FILE."})
final class GetCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "The file on the VMs.") String source;
    @Parameters(index = "1", paramLabel = "DESTINATION", description = "The local file, or with several VMs a directory (DESTINATION/NAME/FILE).") Path destination;
    @Parameters(index = "2", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default as for 'vm ssh').") String username;
    @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key;

    @Override
    public Integer call() {
        List<Vm> peek = targets(null, namesArg, null);
        boolean many = peek.size() > 1;
        return copy(namesArg, username, key, (r, t) -> {
            Path to = destination;
            if (many) {
                try {
                    String base = source.substring(source.lastIndexOf('/') + 1);
                    if (base.isEmpty() || base.equals("..") || base.equals(".")) {
                        throw new CmsException("get " + source + ": name a file, not a directory");
                    }
                    to = Files.createDirectories(destination.resolve(t.vm())).resolve(base);
                } catch (IOException e) {
                    throw new CmsException("cannot create " + destination.resolve(t.vm()) + ": " + e.getMessage());
                }
            }
            r.get(t.ssh(), source, to);
            return t.vm() + ": " + source + " -> " + to;
        });
    }
}
