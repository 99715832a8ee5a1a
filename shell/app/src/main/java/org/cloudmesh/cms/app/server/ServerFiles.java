package org.cloudmesh.cms.app.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.cloudmesh.cms.api.rest.ServerPid;
import org.cloudmesh.cms.app.PrivateFiles;

/**
 * The server's files in $CLOUDMESH_HOME: {@code server.pid} ("PID URL", written by the server once it listens,
 * removed when it stops) and {@code server.log} (what a background server prints).
 */
final class ServerFiles {
    static final String PID = ServerPid.FILE;
    static final String LOG = "server.log";
    /** A log this big is set aside when the server starts; three old ones are kept (server.log.1 is the newest). */
    static final long LOG_ROTATE_BYTES = 10L << 20;
    static final int LOGS_KEPT = 3;

    record Running(long pid, String url) {}

    private ServerFiles() {}

    static void write(Path home, long pid, String url) {
        PrivateFiles.writeAtomically(home.resolve(PID), pid + " " + url + "\n");
    }

    /** What the PID file says, whether or not that process still runs. */
    static Optional<Running> read(Path home) {
        return ServerPid.read(home).map(p -> new Running(p.pid(), p.url()));
    }

    /** The server that the PID file names, if that process is alive and is a cms (not a reused PID). */
    static Optional<Running> running(Path home) {
        return ServerPid.read(home).filter(ServerPid::alive).map(p -> new Running(p.pid(), p.url()));
    }

    static void removeIfOurs(Path home, long pid) {
        if (read(home).map(r -> r.pid() == pid).orElse(false)) {
            try {
                Files.deleteIfExists(home.resolve(PID));
            } catch (IOException e) {
                // a stale file is recognised as stale next time
            }
        }
    }

    /** Sets a big server.log aside before a background server appends to it (a log never grows without end). */
    static void rotateLog(Path home) throws IOException {
        Path log = home.resolve(LOG);
        if (!Files.exists(log) || Files.size(log) < LOG_ROTATE_BYTES) return;
        Files.deleteIfExists(home.resolve(LOG + "." + LOGS_KEPT));
        for (int i = LOGS_KEPT - 1; i >= 1; i--) {
            Path older = home.resolve(LOG + "." + i);
            if (Files.exists(older)) Files.move(older, home.resolve(LOG + "." + (i + 1)));
        }
        Files.move(log, home.resolve(LOG + ".1"));
    }

    static void removeStale(Path home) {
        try {
            Files.deleteIfExists(home.resolve(PID));
        } catch (IOException e) {
            // recognised as stale next time
        }
    }
}
