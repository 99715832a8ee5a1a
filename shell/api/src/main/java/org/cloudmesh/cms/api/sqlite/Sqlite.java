package org.cloudmesh.cms.api.sqlite;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.sqlite.SQLiteConfig;

/**
 * Opens every SQLite database cms keeps (the comet store, the server's accounts, the audit trail), all alike.
 *
 * <p>Durability: WAL journal with {@code synchronous=FULL}. WAL lets readers go on while one process writes and
 * survives a {@code kill -9} at any moment; FULL also syncs the WAL at every commit, so a change cms has reported
 * (a Slurm job that holds hosts, a VF handed out, an audit entry, a new key) survives a power loss or an OS crash
 * too. {@code NORMAL} would give that up for the last commits before such a crash (never the file's integrity):
 * the comet store could forget a computeset whose Slurm job goes on holding hosts, or hand a VF out twice. The cost
 * is one fsync per commit: 0.7-0.8 ms a commit on the development machine (ext4 on a virtual disk, 500 one-row
 * commits) against 0.1 ms with NORMAL, small beside the ssh or libvirt call that comes with every change.
 *
 * <p>Writes: transactions begin {@code IMMEDIATE}, so a change takes the write lock before it reads, and two
 * processes changing one file queue (up to {@link #BUSY_TIMEOUT}) instead of failing on a lock upgrade. Foreign keys
 * are enforced. The file and its -wal and -shm files are 0600: they hold inventories, password hashes, audit.
 */
public final class Sqlite {
    /** How long a connection waits for another process's transaction before it gives up. */
    public static final Duration BUSY_TIMEOUT = Duration.ofSeconds(15);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

    private Sqlite() {
    }

    /** A read-write connection to {@code file}, creating it (and its directory) if needed. */
    public static Connection open(Path file) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        cfg.enforceForeignKeys(true);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            createPrivate(file); // before SQLite opens it: its -wal and -shm files take the database file's mode
        } catch (IOException e) {
            throw new CmsException("cannot open " + file + ": " + e.getMessage(), e);
        }
        return connect(file, cfg);
    }

    /** A read-only connection to an existing {@code file} (one opened by {@link #open} before). */
    public static Connection openReadOnly(Path file) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        return connect(file, cfg);
    }

    /** The one-line error for a failed statement; a lock held past the busy timeout says so. */
    public static CmsException failure(Path file, SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        if (m.contains("SQLITE_BUSY")) {
            return new CmsException("the database " + file + " stayed locked by another cms process for "
                    + BUSY_TIMEOUT.toSeconds() + " s: try again", e);
        }
        return new CmsException("the database " + file + " failed: " + m, e);
    }

    private static Connection connect(Path file, SQLiteConfig cfg) {
        cfg.setBusyTimeout((int) BUSY_TIMEOUT.toMillis());
        try {
            return cfg.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        } catch (SQLException e) {
            throw new CmsException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static void createPrivate(Path file) throws IOException {
        try {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
            } catch (FileAlreadyExistsException e) {
                // opened before, or by another process just now
            }
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Path f = Path.of(file + suffix);
                if (Files.exists(f)) Files.setPosixFilePermissions(f, PRIVATE);
            }
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
