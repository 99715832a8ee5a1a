package org.cloudmesh.cms.app.admin;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.cloudmesh.cms.api.CmsException;

/** Opens the server's SQLite files: created 0600 before SQLite touches them, WAL, a busy timeout for other processes. */
public final class Sqlite {
    private Sqlite() {}

    public static Connection open(Path file) {
        try {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                // an existing database keeps its mode (SQLite gives its -wal and -shm files the same)
            }
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = FULL");
                s.execute("PRAGMA foreign_keys = ON");
            }
            return c;
        } catch (IOException | SQLException e) {
            throw new CmsException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    public static CmsException failure(Path file, SQLException e) {
        return new CmsException("the database " + file + " failed: " + e.getMessage(), e);
    }
}
