package org.cloudmesh.cms.app.audit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.api.audit.AuditTrail;
import org.cloudmesh.cms.api.sqlite.Sqlite;

/**
 * The audit trail in {@code $CLOUDMESH_HOME/audit.db} (0600): one row an entry, each committed (synchronous=FULL)
 * before {@link #record} returns, so a killed server loses none. Append-only: there is no update or delete path in
 * cms, and triggers make SQLite itself refuse an UPDATE or DELETE of a row.
 */
public final class SqliteAuditTrail implements AuditTrail, AutoCloseable {
    public static final String DB = "audit.db";
    private final Path file;
    private final Connection db;

    private SqliteAuditTrail(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    public static SqliteAuditTrail open(Path home) {
        org.cloudmesh.cms.app.PrivateFiles.createDirectory(home);
        Path file = home.resolve(DB);
        Connection db = Sqlite.open(file);
        try (Statement s = db.createStatement()) {
            s.executeUpdate("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, "
                    + "user TEXT, origin TEXT, action TEXT, cluster TEXT, nodes TEXT, result TEXT)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS audit_user ON audit (user, at_ms)");
            s.executeUpdate("CREATE INDEX IF NOT EXISTS audit_cluster ON audit (cluster, at_ms)");
            s.executeUpdate("CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
                    + "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END");
            s.executeUpdate("CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
                    + "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END");
        } catch (SQLException e) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // already failing
            }
            throw Sqlite.failure(file, e);
        }
        return new SqliteAuditTrail(file, db);
    }

    @Override
    public synchronized void record(AuditEntry e) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO audit (at_ms, user, origin, action, cluster, nodes, result) VALUES (?,?,?,?,?,?,?)")) {
            ps.setLong(1, (e.when() == null ? Instant.now() : e.when()).toEpochMilli());
            ps.setString(2, e.user());
            ps.setString(3, e.from());
            ps.setString(4, e.action());
            ps.setString(5, e.cluster());
            ps.setString(6, e.nodes());
            ps.setString(7, e.result());
            ps.executeUpdate();
        } catch (SQLException ex) {
            throw Sqlite.failure(file, ex);
        }
    }

    @Override
    public synchronized List<AuditEntry> query(String user, String cluster, Instant since) {
        StringBuilder sql = new StringBuilder("SELECT at_ms, user, origin, action, cluster, nodes, result FROM audit WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (user != null) {
            sql.append(" AND user = ?");
            args.add(user);
        }
        if (cluster != null) {
            sql.append(" AND cluster = ?");
            args.add(cluster);
        }
        if (since != null) {
            sql.append(" AND at_ms >= ?");
            args.add(since.toEpochMilli());
        }
        sql.append(" ORDER BY at_ms, id");
        List<AuditEntry> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) ps.setObject(i + 1, args.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
        } catch (SQLException ex) {
            throw Sqlite.failure(file, ex);
        }
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // closing: every entry is already committed
        }
    }
}
