package org.cloudmesh.cms.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cloudmesh.cms.api.CmsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm put SOURCE DESTINATION [NAMES]}: copy a local file to the VMs (sftp). */
@Command(name = "put", description = "Copy local file SOURCE to DESTINATION on every VM of NAMES (sftp).")
final class PutCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "The local file to copy.") Path source;
    @Parameters(index = "1", paramLabel = "DESTINATION", description = "Where the file goes on each VM.") String destination;
    @Parameters(index = "2", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default as for 'vm ssh').") String username;
    @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(source)) throw new CmsException("no file " + source + " to copy");
        return copy(namesArg, username, key, (r, t) -> {
            r.put(t.ssh(), source, destination);
            return t.vm() + ": " + source + " -> " + destination;
        });
    }
}
