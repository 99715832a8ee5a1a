package org.cloudmesh.cms.api.rest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code $CLOUDMESH_HOME/server.pid}: "PID URL" of the {@code cms server} of that home, written once it listens. A
 * command on the management node finds the local server here (to hand out a web console link it serves).
 */
public record ServerPid(long pid, String url) {
    public static final String FILE = "server.pid";

    /** What the file says, whether or not that process still runs. */
    public static Optional<ServerPid> read(Path home) {
        try {
            String[] s = Files.readString(home.resolve(FILE)).strip().split("\\s+");
            if (s.length != 2) return Optional.empty();
            return Optional.of(new ServerPid(Long.parseLong(s[0]), s[1]));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether the process runs and is a cms (not a PID the kernel gave to something else since). */
    public boolean alive() {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) return false;
        return p.get().info().arguments().map(a -> String.join(" ", a).contains("org.cloudmesh.cms.app.Main")).orElse(true);
    }
}
