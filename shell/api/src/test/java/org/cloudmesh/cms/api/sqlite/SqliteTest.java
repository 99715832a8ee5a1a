package org.cloudmesh.cms.api.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTest {
    @TempDir
    Path dir;

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void everyDatabaseIsPrivateWalAndSyncedAtEachCommit() throws Exception {
        Path file = dir.resolve("new/x.db");
        try (Connection c = Sqlite.open(file)) {
            assertEquals("wal", pragma(c, "journal_mode"));
            assertEquals("2", pragma(c, "synchronous"), "FULL");
            assertEquals("1", pragma(c, "foreign_keys"));
            assertEquals("15000", pragma(c, "busy_timeout"));
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t(x)");
            }
            for (String f : new String[] {"x.db", "x.db-wal", "x.db-shm"}) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.resolveSibling(f))), f);
            }
        }
    }

    @Test
    void aReadOnlyConnectionReadsAndRefusesToWrite() throws Exception {
        Path file = dir.resolve("x.db");
        try (Connection w = Sqlite.open(file); Statement s = w.createStatement()) {
            s.execute("CREATE TABLE t(x)");
            s.execute("INSERT INTO t VALUES (1)");
        }
        try (Connection r = Sqlite.openReadOnly(file); Statement s = r.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT x FROM t")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
            assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES (2)"));
        }
    }

    @Test
    void aLockHeldPastTheBusyTimeoutIsOneLineThatSaysSo() {
        Path file = dir.resolve("x.db");
        CmsException e = Sqlite.failure(file, new SQLException("[SQLITE_BUSY] The database file is locked (database is locked)"));
        assertEquals("the database " + file + " stayed locked by another cms process for 15 s: try again", e.getMessage());
        assertEquals("the database " + file + " failed: no such table: t",
                Sqlite.failure(file, new SQLException("no such table: t")).getMessage());
    }
}
