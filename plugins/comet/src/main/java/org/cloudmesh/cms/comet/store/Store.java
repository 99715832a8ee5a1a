package org.cloudmesh.cms.comet.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.sqlite.Sqlite;

/**
 * The VC inventory in SQLite ($CLOUDMESH_HOME/comet.db): clusters, nodes, computesets and their nodes, SR-IOV VF
 * assignments and an event history. Opened as every cms database is ({@link Sqlite}: WAL, synchronous=FULL), every
 * change one {@code BEGIN IMMEDIATE} transaction, so a {@code kill -9} or a power loss at any moment leaves a store
 * that opens with every change it reported, and two processes never lose each other's writes (the second waits for
 * the first, up to the busy timeout). Checks that guard a change (a node free, a VF free, no
 * active computeset) run inside the change's transaction. The schema carries a version in table {@code meta}.
 * Threads may share a store: changes go one at a time through one connection; reads run side by side on a few
 * read-only connections (WAL lets them read while a change is written), which is what a busy server needs.
 */
public final class Store implements AutoCloseable {
    public static final int SCHEMA_VERSION = 2;
    private static final String[] SCHEMA = {
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE clusters(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, endpoint TEXT NOT NULL,"
            + " project TEXT, description TEXT, owner TEXT, allocations TEXT NOT NULL, created INTEGER NOT NULL)",
        "CREATE TABLE nodes(cluster TEXT NOT NULL REFERENCES clusters(name) ON DELETE CASCADE, name TEXT NOT NULL,"
            + " kind TEXT NOT NULL, idx INTEGER NOT NULL, uuid TEXT NOT NULL UNIQUE, mac TEXT NOT NULL UNIQUE,"
            + " pub_mac TEXT UNIQUE, ip TEXT NOT NULL, pub_ip TEXT, cpus INTEGER NOT NULL, memory_mb INTEGER NOT NULL,"
            + " disk_gb INTEGER NOT NULL, state TEXT NOT NULL, admin_state TEXT NOT NULL, host TEXT, iso TEXT,"
            + " iso_pending TEXT, computeset INTEGER, PRIMARY KEY(cluster, name))",
        "CREATE INDEX nodes_computeset ON nodes(computeset)",
        "CREATE TABLE computesets(id INTEGER PRIMARY KEY AUTOINCREMENT, cluster TEXT NOT NULL, endpoint TEXT NOT NULL,"
            + " allocation TEXT NOT NULL, walltime_mins INTEGER NOT NULL, reservation TEXT, job_id TEXT,"
            + " state TEXT NOT NULL, slurm_state TEXT, reason TEXT, hosts TEXT, submit_time INTEGER,"
            + " start_time INTEGER, end_time INTEGER, created INTEGER NOT NULL)",
        "CREATE INDEX computesets_state ON computesets(state)",
        "CREATE INDEX computesets_cluster ON computesets(cluster)",
        "CREATE TABLE computeset_nodes(computeset INTEGER NOT NULL REFERENCES computesets(id) ON DELETE CASCADE,"
            + " node TEXT NOT NULL, host TEXT, PRIMARY KEY(computeset, node))",
        "CREATE TABLE vfs(endpoint TEXT NOT NULL, host TEXT NOT NULL, address TEXT NOT NULL, cluster TEXT NOT NULL,"
            + " node TEXT NOT NULL, computeset INTEGER, since INTEGER NOT NULL, PRIMARY KEY(endpoint, host, address),"
            + " UNIQUE(cluster, node))",
        "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, computeset INTEGER,"
            + " cluster TEXT, node TEXT, event TEXT NOT NULL, detail TEXT)",
        "CREATE INDEX events_computeset ON events(computeset)",
    };
    /** Schema 2 (additive): uploaded ISO images; Slurm job records imported from other systems (comet stats import). */
    private static final String[] SCHEMA_2 = {
        "CREATE TABLE IF NOT EXISTS isos(name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
            + " path TEXT NOT NULL, uploaded INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS imported_jobs(source TEXT NOT NULL, job_id TEXT NOT NULL, job_name TEXT,"
            + " account TEXT, submit INTEGER NOT NULL, start INTEGER, end_time INTEGER, state TEXT, nnodes INTEGER,"
            + " PRIMARY KEY(source, job_id))",
    };

    /** Read-only connections kept for reads; more readers than this open one more for the moment. */
    private static final int READERS = 4;

    private final Path file;
    private final Connection db;
    private final java.util.concurrent.BlockingQueue<Connection> idleReaders =
            new java.util.concurrent.ArrayBlockingQueue<>(READERS);
    private volatile boolean closed;

    private Store(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (creating if needed) the store in {@code file}. */
    public static Store open(Path file) {
        Connection c = Sqlite.open(file);
        Store s = new Store(file, c);
        try {
            s.migrate();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Connection r; (r = idleReaders.poll()) != null; ) quietlyClose(r);
        quietlyClose(db);
    }

    private static void quietlyClose(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing
        }
    }

    private void migrate() {
        write(c -> {
            boolean exists;
            try (ResultSet rs = c.getMetaData().getTables(null, null, "meta", null)) {
                exists = rs.next();
            }
            if (!exists) {
                try (Statement st = c.createStatement()) {
                    for (String sql : SCHEMA) st.execute(sql);
                    for (String sql : SCHEMA_2) st.execute(sql);
                }
                update(c, "INSERT INTO meta(key, value) VALUES ('schema', ?), ('next_mac', '1')", String.valueOf(SCHEMA_VERSION));
                addColumns(c);
                return null;
            }
            int v = Integer.parseInt(one(c, "SELECT value FROM meta WHERE key = 'schema'").orElse("0"));
            if (v > SCHEMA_VERSION) {
                throw new CmsException("the comet store " + file + " has schema " + v + ", newer than this cms ("
                        + SCHEMA_VERSION + "): upgrade cms");
            }
            if (v < 2) {
                try (Statement st = c.createStatement()) {
                    for (String sql : SCHEMA_2) st.execute(sql);
                }
                update(c, "UPDATE meta SET value = '2' WHERE key = 'schema'");
            }
            addColumns(c);
            return null;
        });
    }

    /**
     * The additive columns of schema 2, each added where it is missing (older cms versions ignore them): the project an
     * ISO uploaded through the server belongs to (null: one an administrator registered from the shell, which every
     * project sees); when Slurm expects a pending computeset to start (its --begin, or the backfill estimate), epoch
     * seconds; a cluster's software stack (comet cluster setup --stack) and the first UDP port of its private
     * network's loopback links.
     */
    private static void addColumns(Connection c) throws SQLException {
        addColumns(c, "isos", "project TEXT");
        addColumns(c, "computesets", "expected_start INTEGER");
        addColumns(c, "clusters", "stack TEXT", "lan_port INTEGER");
    }

    /** Adds {@code columns} ("NAME TYPE") to {@code table} unless it has the first of them. */
    private static void addColumns(Connection c, String table, String... columns) throws SQLException {
        String first = columns[0].substring(0, columns[0].indexOf(' '));
        boolean has = false;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) has |= rs.getString("name").equals(first);
        }
        if (has) return;
        try (Statement st = c.createStatement()) {
            for (String col : columns) st.execute("ALTER TABLE " + table + " ADD COLUMN " + col);
        }
    }

    // ---- transactions -------------------------------------------------------------------------------------

    /**
     * A body of SQL. Only the store's own methods run SQL (the rest of cms calls them); {@link #read} and
     * {@link #write} are public for tests that set up a state no command can reach.
     */
    public interface Tx<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code body} in one immediate (write-locking) transaction; rolls back on any exception. */
    public synchronized <T> T write(Tx<T> body) {
        try {
            db.setAutoCommit(false);
            try {
                T result = body.run(db);
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    /**
     * Runs {@code body} outside a write transaction (each statement sees a consistent snapshot), on a read-only
     * connection so that reads do not queue behind each other; inside a change, on the change's connection so that
     * it sees what the change wrote so far.
     */
    public <T> T read(Tx<T> body) {
        if (Thread.holdsLock(this)) {
            try {
                return body.run(db);
            } catch (SQLException e) {
                throw Sqlite.failure(file, e);
            }
        }
        Connection c = idleReaders.poll();
        try {
            if (c == null) c = Sqlite.openReadOnly(file);
            return body.run(c);
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        } finally {
            if (c != null && (closed || !idleReaders.offer(c))) quietlyClose(c);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            return ps.executeUpdate();
        }
    }

    static long insert(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args)) {
            ps.executeUpdate();
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT last_insert_rowid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Optional<String> one(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
        }
    }

    static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        bind(ps, args);
        return ps;
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) ps.setNull(i + 1, Types.NULL);
            else if (a instanceof Integer n) ps.setInt(i + 1, n);
            else if (a instanceof Long n) ps.setLong(i + 1, n);
            else ps.setString(i + 1, a.toString());
        }
    }

    private static Long longOrNull(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    /** A WHERE clause of conditions that apply only when their value is given (not null): fixed text, bound values. */
    private static final class Where {
        private final StringBuilder sql;
        private final List<Object> args = new ArrayList<>();

        Where(String first) {
            sql = new StringBuilder("WHERE ").append(first);
        }

        Where and(String condition, Object value) {
            if (value != null) {
                sql.append(" AND ").append(condition);
                args.add(value);
            }
            return this;
        }

        /** {@code column IN (values)}: no values match no row. */
        Where in(String column, List<?> values) {
            sql.append(" AND ").append(column).append(" IN (");
            for (int i = 0; i < values.size(); i++) sql.append(i == 0 ? "?" : ",?");
            sql.append(values.isEmpty() ? "NULL)" : ")");
            args.addAll(values);
            return this;
        }

        Object[] args() {
            return args.toArray();
        }

        @Override
        public String toString() {
            return sql.toString();
        }
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    // ---- clusters -------------------------------------------------------------------------------------------

    /**
     * The one answer for a cluster name in use, in the shell and through the server alike: it says nothing of whose
     * cluster it is (names are unique on the machine: they name Slurm jobs and libvirt domains).
     */
    public static String clusterExists(String name) {
        return "cluster '" + name + "' already exists: cluster names are unique on this machine, whichever project uses them; choose another";
    }

    /** What {@link #createCluster} makes. */
    public record ClusterSpec(String name, String endpoint, String project, String description, String owner,
                              List<String> allocations, int computes, int cpus, int memoryMb, int diskGb,
                              int frontendCpus, int frontendMemoryMb, int frontendDiskGb) {
    }

    /**
     * Creates a cluster with a frontend (named like the cluster) and compute nodes vm-NAME-0..N-1: unique MACs
     * from one store-wide counter (52:54:00:xx:xx:xx), private IPs 10.0.0.1 (frontend) and 10.0.x.y from
     * 10.0.0.2 up for the computes.
     */
    public Cluster createCluster(ClusterSpec s) {
        return write(c -> {
            if (one(c, "SELECT name FROM clusters WHERE name = ?", s.name()).isPresent()) {
                throw new CmsException(clusterExists(s.name()));
            }
            long created = now();
            long id = insert(c, "INSERT INTO clusters(name, endpoint, project, description, owner, allocations, created)"
                    + " VALUES (?,?,?,?,?,?,?)", s.name(), s.endpoint(), s.project(), s.description(), s.owner(),
                    String.join(",", s.allocations()), created);
            long mac = Long.parseLong(one(c, "SELECT value FROM meta WHERE key = 'next_mac'").orElse("1"));
            int n = s.computes();
            if (mac + n + 2 > 0xFFFFFFL) throw new CmsException("the store has used up its MAC addresses");
            insertNode(c, s.name(), s.name(), Node.FRONTEND, -1, mac(mac), mac(mac + 1), "10.0.0.1",
                    s.frontendCpus(), s.frontendMemoryMb(), s.frontendDiskGb());
            for (int i = 0; i < n; i++) {
                int host = i + 2;
                insertNode(c, s.name(), "vm-" + s.name() + "-" + i, Node.COMPUTE, i, mac(mac + 2 + i), null,
                        "10.0." + (host >> 8) + "." + (host & 0xff), s.cpus(), s.memoryMb(), s.diskGb());
            }
            update(c, "UPDATE meta SET value = ? WHERE key = 'next_mac'", String.valueOf(mac + 2 + n));
            event(c, null, s.name(), null, "cluster-create", n + " compute nodes");
            return new Cluster(id, s.name(), s.endpoint(), s.project(), s.description(), s.owner(),
                    List.copyOf(s.allocations()), created, null);
        });
    }

    static String mac(long n) {
        return String.format("52:54:00:%02x:%02x:%02x", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    }

    private static void insertNode(Connection c, String cluster, String name, String kind, int idx, String mac,
                                   String pubMac, String ip, int cpus, int mem, int disk) throws SQLException {
        update(c, "INSERT INTO nodes(cluster, name, kind, idx, uuid, mac, pub_mac, ip, cpus, memory_mb, disk_gb, state,"
                + " admin_state) VALUES (?,?,?,?,?,?,?,?,?,?,?,'stopped','off')", cluster, name, kind, idx,
                UUID.randomUUID().toString(), mac, pubMac, ip, cpus, mem, disk);
    }

    /** Deletes a cluster, its nodes and its finished computesets; refuses while a computeset is active. */
    public void deleteCluster(String name) {
        write(c -> {
            if (one(c, "SELECT name FROM clusters WHERE name = ?", name).isEmpty()) {
                throw new CmsException("unknown cluster '" + name + "': see 'comet ll'");
            }
            Optional<String> active = one(c, "SELECT group_concat(id) FROM computesets WHERE cluster = ? AND state IN "
                    + activeStates() + " HAVING count(*) > 0", name);
            if (active.isPresent()) {
                throw new CmsException("cluster '" + name + "' has active computesets (" + active.get()
                        + "): terminate them first with 'comet terminate ID'");
            }
            update(c, "DELETE FROM vfs WHERE cluster = ?", name);
            update(c, "DELETE FROM nodes WHERE cluster = ?", name);
            update(c, "DELETE FROM clusters WHERE name = ?", name);
            event(c, null, name, null, "cluster-delete", null);
            return null;
        });
    }

    static String activeStates() {
        StringBuilder b = new StringBuilder("(");
        for (CsState s : CsState.values()) {
            if (!s.active()) continue;
            if (b.length() > 1) b.append(',');
            b.append('\'').append(s.label()).append('\'');
        }
        return b.append(')').toString();
    }

    public Optional<Cluster> cluster(String name) {
        return read(c -> clusters(c, "WHERE name = ?", name).stream().findFirst());
    }

    /** Clusters of an endpoint (all when endpoint is null), by name. */
    public List<Cluster> clusters(String endpoint) {
        return read(c -> endpoint == null ? clusters(c, "") : clusters(c, "WHERE endpoint = ?", endpoint));
    }

    private static List<Cluster> clusters(Connection c, String where, Object... args) throws SQLException {
        List<Cluster> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "SELECT * FROM clusters " + where + " ORDER BY name", args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String a = rs.getString("allocations");
                out.add(new Cluster(rs.getLong("id"), rs.getString("name"), rs.getString("endpoint"),
                        rs.getString("project"), rs.getString("description"), rs.getString("owner"),
                        a == null || a.isEmpty() ? List.of() : List.of(a.split(",")), rs.getLong("created"),
                        rs.getString("stack")));
            }
        }
        return out;
    }

    /** A cluster's software stack and the first UDP port of its private network (its links use 2 ports a compute node). */
    public record Stack(String name, int lanPort) {
    }

    public Optional<Stack> stack(String cluster) {
        return read(c -> {
            try (PreparedStatement ps = prepare(c, "SELECT stack, lan_port FROM clusters WHERE name = ? AND stack IS NOT NULL", cluster);
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Stack(rs.getString(1), rs.getInt(2))) : Optional.<Stack>empty();
            }
        });
    }

    /**
     * Gives a cluster its stack and, when it has no private network yet, the lowest block of {@code ports} UDP ports
     * from {@code first} to {@code last} that no other cluster holds and {@code free} accepts; returns the stack.
     */
    public Stack setStack(String cluster, String stack, int ports, int first, int last, java.util.function.IntPredicate free) {
        return write(c -> {
            Integer mine = null;
            List<int[]> taken = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, "SELECT name, lan_port, (SELECT count(*) FROM nodes n WHERE n.cluster = clusters.name"
                    + " AND n.kind = 'compute') FROM clusters WHERE lan_port IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1).equals(cluster)) mine = rs.getInt(2);
                    else taken.add(new int[] {rs.getInt(2), rs.getInt(2) + 2 * rs.getInt(3)});
                }
            }
            int port = mine != null ? mine : -1;
            for (int p = first; port < 0 && p + ports - 1 <= last; p += 2) {
                final int from = p;
                int[] clash = taken.stream().filter(t -> from < t[1] && t[0] < from + ports).findFirst().orElse(null);
                if (clash != null) {
                    p = clash[1] - 2;
                    continue;
                }
                boolean ok = true;
                for (int q = p; ok && q < p + ports; q++) ok = free.test(q);
                if (ok) port = p;
            }
            if (port < 0) throw new CmsException("no " + ports + " free UDP ports on 127.0.0.1 between " + first + " and " + last
                    + " for the private network of cluster '" + cluster + "'");
            update(c, "UPDATE clusters SET stack = ?, lan_port = ? WHERE name = ?", stack, port, cluster);
            event(c, null, cluster, null, "stack", stack + " (private network on UDP ports " + port + "-" + (port + ports - 1) + ")");
            return new Stack(stack, port);
        });
    }

    // ---- nodes ----------------------------------------------------------------------------------------------

    private static final String NODE_SELECT = "SELECT n.*, v.address AS vf FROM nodes n"
            + " LEFT JOIN vfs v ON v.cluster = n.cluster AND v.node = n.name ";

    /** The nodes of a cluster: frontend first, then computes by index. */
    public List<Node> nodes(String cluster) {
        return read(c -> nodes(c, "WHERE n.cluster = ? ORDER BY n.idx", cluster));
    }

    /** The nodes of several clusters (all when null), by cluster then index. */
    public List<Node> nodes(Collection<String> clusters) {
        return read(c -> {
            if (clusters == null) return nodes(c, "ORDER BY n.cluster, n.idx");
            List<Node> out = new ArrayList<>();
            for (String cl : clusters) out.addAll(nodes(c, "WHERE n.cluster = ? ORDER BY n.idx", cl));
            return out;
        });
    }

    public Optional<Node> node(String cluster, String name) {
        return read(c -> nodes(c, "WHERE n.cluster = ? AND n.name = ?", cluster, name).stream().findFirst());
    }

    /** The nodes an active computeset holds. */
    public List<Node> nodesOf(long computeset) {
        return read(c -> nodes(c, "WHERE n.computeset = ? ORDER BY n.idx", computeset));
    }

    private static List<Node> nodes(Connection c, String where, Object... args) throws SQLException {
        List<Node> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, NODE_SELECT + where, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Node(rs.getString("cluster"), rs.getString("name"), rs.getString("kind"), rs.getInt("idx"),
                        rs.getString("uuid"), rs.getString("mac"), rs.getString("pub_mac"), rs.getString("ip"),
                        rs.getString("pub_ip"), rs.getInt("cpus"), rs.getInt("memory_mb"), rs.getInt("disk_gb"),
                        rs.getString("state"), rs.getString("admin_state"), rs.getString("host"), rs.getString("vf"),
                        rs.getString("iso"), rs.getString("iso_pending"), longOrNull(rs, "computeset")));
            }
        }
        return out;
    }

    /** Records the power state read from libvirt (only when it changed: no write for a plain listing). */
    public void setState(String cluster, String node, String state) {
        write(c -> update(c, "UPDATE nodes SET state = ? WHERE cluster = ? AND name = ? AND state <> ?",
                state, cluster, node, state));
    }

    /** Records several power states in one transaction: cluster/node → state. */
    public void setStates(Map<Node, String> states) {
        if (states.isEmpty()) return;
        write(c -> {
            for (Map.Entry<Node, String> e : states.entrySet()) {
                update(c, "UPDATE nodes SET state = ? WHERE cluster = ? AND name = ? AND state <> ?",
                        e.getValue(), e.getKey().cluster(), e.getKey().name(), e.getValue());
            }
            return null;
        });
    }

    public void setAdminState(String cluster, String node, String admin) {
        write(c -> update(c, "UPDATE nodes SET admin_state = ? WHERE cluster = ? AND name = ?", admin, cluster, node));
    }

    /** Puts a node on a physical host (null: nowhere). */
    public void setHost(String cluster, String node, String host) {
        write(c -> update(c, "UPDATE nodes SET host = ? WHERE cluster = ? AND name = ?", host, cluster, node));
    }

    /** Which of {@code names} are nodes of any cluster (libvirt domain names are shared by all clusters). */
    public Set<String> takenNodeNames(Collection<String> names) {
        return read(c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM nodes WHERE name = ?")) {
                for (String n : names) {
                    bind(ps, n);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) out.add(n);
                    }
                }
            }
            return out;
        });
    }

    /**
     * Renames nodes of a cluster (old name → new) in one transaction: each node, its place in the cluster's
     * computesets and its VF, with a rename event.
     */
    public void renameNodes(String cluster, Map<String, String> renames) {
        write(c -> {
            for (Map.Entry<String, String> r : renames.entrySet()) {
                String from = r.getKey();
                String to = r.getValue();
                update(c, "UPDATE nodes SET name = ? WHERE cluster = ? AND name = ?", to, cluster, from);
                update(c, "UPDATE vfs SET node = ? WHERE cluster = ? AND node = ?", to, cluster, from);
                update(c, "UPDATE computeset_nodes SET node = ? WHERE node = ?"
                        + " AND computeset IN (SELECT id FROM computesets WHERE cluster = ?)", to, from, cluster);
                event(c, null, cluster, to, "rename", from + " -> " + to);
            }
            return null;
        });
    }

    /** Records the ISO of nodes of a cluster (null: none), with an iso-attach or iso-detach event each. */
    public void setIso(String cluster, List<Node> nodes, String iso) {
        write(c -> {
            for (Node n : nodes) {
                update(c, "UPDATE nodes SET iso = ? WHERE cluster = ? AND name = ?", iso, cluster, n.name());
                event(c, n.computeset(), cluster, n.name(), iso == null ? "iso-detach" : "iso-attach", iso);
            }
            return null;
        });
    }

    // ---- ISO images -----------------------------------------------------------------------------------------

    /** An uploaded ISO image in an endpoint's iso_dir; {@code project} null: one every project sees. */
    public record IsoImage(String name, String sha256, long size, String path, long uploaded, String project) {
    }

    /** The registered ISO images by name. */
    public List<IsoImage> isos() {
        return read(c -> {
            List<IsoImage> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM isos ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new IsoImage(rs.getString("name"), rs.getString("sha256"), rs.getLong("size"),
                            rs.getString("path"), rs.getLong("uploaded"), rs.getString("project")));
                }
            }
            return out;
        });
    }

    /** Registers an ISO image; fails, changing nothing, when the name is taken. */
    public void addIso(IsoImage iso) {
        write(c -> update(c, "INSERT INTO isos(name, sha256, size, path, uploaded, project) VALUES (?,?,?,?,?,?)",
                iso.name(), iso.sha256(), iso.size(), iso.path(), iso.uploaded(), iso.project()));
    }

    // ---- SR-IOV VFs -----------------------------------------------------------------------------------------

    /** Thrown when a host's VF pool has no free function. */
    public static final class VfExhausted extends CmsException {
        public VfExhausted(String message) {
            super(message);
        }
    }

    /**
     * Gives the node one free VF of {@code pool} on (endpoint, host), or its current one if it already holds a VF
     * there. Atomic: two processes never get the same VF.
     */
    public String allocateVf(String endpoint, String host, List<String> pool, String cluster, String node, Long cs) {
        return write(c -> {
            Optional<String> held = one(c, "SELECT address FROM vfs WHERE cluster = ? AND node = ? AND endpoint = ? AND host = ?",
                    cluster, node, endpoint, host);
            if (held.isPresent()) return held.get();
            update(c, "DELETE FROM vfs WHERE cluster = ? AND node = ?", cluster, node);
            Set<String> used = new HashSet<>();
            try (PreparedStatement ps = prepare(c, "SELECT address FROM vfs WHERE endpoint = ? AND host = ?", endpoint, host);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) used.add(rs.getString(1));
            }
            for (String a : pool) {
                if (!used.contains(a)) {
                    update(c, "INSERT INTO vfs(endpoint, host, address, cluster, node, computeset, since) VALUES (?,?,?,?,?,?,?)",
                            endpoint, host, a, cluster, node, cs, now());
                    event(c, cs, cluster, node, "vf-assign", host + " " + a);
                    return a;
                }
            }
            throw new VfExhausted("the SR-IOV VF pool of host " + host + " is exhausted (" + pool.size()
                    + " functions, all in use): free VFs by stopping VMs on it, or add VFs to comet.endpoints."
                    + endpoint + ".sriov." + host);
        });
    }

    /** Releases the VF a node holds (if any). */
    public void freeVf(String cluster, String node) {
        write(c -> {
            Optional<String> held = one(c, "SELECT host || ' ' || address FROM vfs WHERE cluster = ? AND node = ?", cluster, node);
            if (held.isPresent()) {
                update(c, "DELETE FROM vfs WHERE cluster = ? AND node = ?", cluster, node);
                event(c, null, cluster, node, "vf-free", held.get());
            }
            return null;
        });
    }

    /** host → VF addresses in use, for one endpoint. */
    public Map<String, Set<String>> usedVfs(String endpoint) {
        return read(c -> {
            Map<String, Set<String>> out = new HashMap<>();
            try (PreparedStatement ps = prepare(c, "SELECT host, address FROM vfs WHERE endpoint = ?", endpoint);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
            }
            return out;
        });
    }

    // ---- computesets ----------------------------------------------------------------------------------------

    /**
     * Records a new computeset (state created) holding {@code nodes}, or, when {@code nodes} is null, the first
     * {@code count} compute nodes of the cluster that no active computeset holds. Fails, changing nothing, if a
     * named node does not exist, is a frontend, or is already held.
     */
    public Computeset createComputeset(String cluster, String endpoint, List<String> nodes, int count,
                                       String allocation, long walltimeMins, String reservation) {
        return write(c -> {
            List<Node> all = nodes(c, "WHERE n.cluster = ? ORDER BY n.idx", cluster);
            Map<String, Node> byName = new LinkedHashMap<>();
            for (Node n : all) byName.put(n.name(), n);
            List<String> chosen = new ArrayList<>();
            if (nodes != null) {
                List<String> unknown = new ArrayList<>();
                List<String> busy = new ArrayList<>();
                for (String name : nodes) {
                    Node n = byName.get(name);
                    if (n == null || n.frontend()) unknown.add(name);
                    else if (n.computeset() != null) busy.add(name + " (computeset " + n.computeset() + ")");
                    else chosen.add(name);
                }
                if (!unknown.isEmpty()) {
                    throw new CmsException("cluster '" + cluster + "' has no compute node " + String.join(", ", unknown)
                            + ": see 'comet cluster " + cluster + "'");
                }
                if (!busy.isEmpty()) {
                    throw new CmsException("Some nodes are already in active computesets: " + String.join(", ", busy));
                }
            } else {
                for (Node n : all) {
                    if (!n.frontend() && n.computeset() == null && chosen.size() < count) chosen.add(n.name());
                }
                if (chosen.size() < count) {
                    throw new CmsException("cluster '" + cluster + "' has only " + chosen.size()
                            + " compute nodes free, not " + count + ": lower --count or terminate a computeset");
                }
            }
            long now = now();
            long id = insert(c, "INSERT INTO computesets(cluster, endpoint, allocation, walltime_mins, reservation, state, created)"
                    + " VALUES (?,?,?,?,?,'created',?)", cluster, endpoint, allocation, walltimeMins, reservation, now);
            for (String n : chosen) {
                int changed = update(c, "UPDATE nodes SET computeset = ?, admin_state = 'on' WHERE cluster = ? AND name = ? AND computeset IS NULL",
                        id, cluster, n);
                if (changed != 1) throw new CmsException("Some nodes are already in active computesets: " + n);
                update(c, "INSERT INTO computeset_nodes(computeset, node) VALUES (?, ?)", id, n);
            }
            event(c, id, cluster, null, "created", String.join(",", chosen));
            return computeset(c, id).orElseThrow();
        });
    }

    /** Records the Slurm job of a computeset: state submitted. */
    public void submitted(long id, String jobId) {
        write(c -> {
            update(c, "UPDATE computesets SET job_id = ?, state = 'submitted', submit_time = ? WHERE id = ?", jobId, now(), id);
            event(c, id, null, null, "submitted", "job " + jobId);
            return null;
        });
    }

    /**
     * Moves a computeset to {@code state} with what Slurm said; sets start/end times the first time it runs/ends;
     * a terminal state releases its nodes (they stay in computeset_nodes as history). For a submitted set
     * {@code start} is when Slurm expects it to start. A running set keeps no reason: what Slurm said while it was
     * pending (Resources, BeginTime) is no longer true. Returns false when the set was already in that state with
     * the same Slurm state (nothing written).
     */
    public boolean transition(long id, CsState state, String slurmState, String reason, String hosts, Long start, Long end) {
        return write(c -> {
            Computeset cs = computeset(c, id).orElseThrow(() -> new CmsException("unknown computeset " + id));
            if (cs.state().terminal() && state != cs.state()) return false;   // terminal states are final
            String why = state == CsState.RUNNING ? reason : reason != null ? reason : cs.reason();
            Long expected = state == CsState.SUBMITTED ? start : null;
            boolean same = cs.state() == state && java.util.Objects.equals(cs.slurmState(), slurmState)
                    && java.util.Objects.equals(cs.hosts(), hosts != null ? hosts : cs.hosts())
                    && java.util.Objects.equals(why, cs.reason()) && java.util.Objects.equals(expected, cs.expectedStart());
            if (same && !(state.terminal() && cs.endTime() == null)) return false;
            Long startTime = cs.startTime() != null ? cs.startTime()
                    : state == CsState.RUNNING || state == CsState.ENDING || (state.terminal() && start != null)
                        ? (start != null ? start : now()) : null;
            Long endTime = cs.endTime() != null ? cs.endTime() : state.terminal() ? (end != null ? end : now()) : null;
            update(c, "UPDATE computesets SET state = ?, slurm_state = ?, reason = ?, hosts = COALESCE(?, hosts),"
                    + " start_time = ?, end_time = ?, expected_start = ? WHERE id = ?",
                    state.label(), slurmState, why, hosts, startTime, endTime, expected, id);
            if (state.terminal()) {
                update(c, "UPDATE nodes SET computeset = NULL, host = NULL WHERE computeset = ?", id);
            }
            if (cs.state() != state) event(c, id, cs.cluster(), null, state.label(), reason);
            return true;
        });
    }

    /**
     * Records a new time limit of a computeset whose Slurm job was changed (comet computeset extend), with an
     * event naming who did it.
     */
    public void extend(long id, long walltimeMins, String detail) {
        write(c -> {
            update(c, "UPDATE computesets SET walltime_mins = ? WHERE id = ?", walltimeMins, id);
            event(c, id, null, null, "extended", detail);
            return null;
        });
    }

    /** Records where a node of a computeset runs. */
    public void placed(long id, String cluster, String node, String host) {
        write(c -> {
            update(c, "UPDATE computeset_nodes SET host = ? WHERE computeset = ? AND node = ?", host, id, node);
            update(c, "UPDATE nodes SET host = ? WHERE cluster = ? AND name = ?", host, cluster, node);
            event(c, id, cluster, node, "placed", host);
            return null;
        });
    }

    public Optional<Computeset> computeset(long id) {
        return read(c -> computeset(c, id));
    }

    private static Optional<Computeset> computeset(Connection c, long id) throws SQLException {
        return computesets(c, "WHERE id = ?", id).stream().findFirst();
    }

    /** Filters for {@link #computesets}: null means any. */
    public record CsFilter(String endpoint, String cluster, Collection<CsState> states, String allocation) {
    }

    /** Computesets matching the filter, newest first. */
    public List<Computeset> computesets(CsFilter f) {
        return read(c -> {
            Where w = new Where("1=1").and("endpoint = ?", f.endpoint()).and("cluster = ?", f.cluster())
                    .and("allocation = ?", f.allocation());
            if (f.states() != null) w.in("state", f.states().stream().map(CsState::label).toList());
            return computesets(c, w.toString(), w.args());
        });
    }

    private static List<Computeset> computesets(Connection c, String where, Object... args) throws SQLException {
        List<Computeset> out = new ArrayList<>();
        Map<Long, List<String>> members = new HashMap<>();
        try (PreparedStatement ps = prepare(c, "SELECT * FROM computesets " + where + " ORDER BY id DESC", args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong("id");
                List<String> nodes = new ArrayList<>();
                members.put(id, nodes);
                out.add(new Computeset(id, rs.getString("cluster"), rs.getString("endpoint"),
                        rs.getString("allocation"), rs.getLong("walltime_mins"), rs.getString("reservation"),
                        rs.getString("job_id"), CsState.parse(rs.getString("state")), rs.getString("slurm_state"),
                        rs.getString("reason"), rs.getString("hosts"), longOrNull(rs, "submit_time"),
                        longOrNull(rs, "start_time"), longOrNull(rs, "end_time"), rs.getLong("created"), nodes,
                        longOrNull(rs, "expected_start")));
            }
        }
        if (out.isEmpty()) return out;
        String sql = out.size() == 1 ? "SELECT computeset, node FROM computeset_nodes WHERE computeset = " + out.get(0).id()
                : "SELECT computeset, node FROM computeset_nodes WHERE computeset IN (SELECT id FROM computesets " + where + ")";
        try (PreparedStatement ps = out.size() == 1 ? c.prepareStatement(sql) : prepare(c, sql, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                List<String> l = members.get(rs.getLong(1));
                if (l != null) l.add(rs.getString(2));
            }
        }
        for (List<String> l : members.values()) l.sort(Store::natural);
        return out;
    }

    public static int natural(String a, String b) {
        int la = a.length();
        int lb = b.length();
        int ta = la;
        while (ta > 0 && Character.isDigit(a.charAt(ta - 1))) ta--;
        int tb = lb;
        while (tb > 0 && Character.isDigit(b.charAt(tb - 1))) tb--;
        if (a.substring(0, ta).equals(b.substring(0, tb)) && ta < la && tb < lb && la - ta < 18 && lb - tb < 18) {
            return Long.compare(Long.parseLong(a.substring(ta)), Long.parseLong(b.substring(tb)));
        }
        return a.compareTo(b);
    }

    // ---- wait statistics ------------------------------------------------------------------------------------

    /** A computeset's Slurm job as the store recorded it: submitted, and started (null: not yet). */
    public record Submitted(String jobId, long submit, Long start) {
    }

    /** The computesets submitted to Slurm (of an endpoint and a cluster; null: any), in submission order. */
    public List<Submitted> submitted(String endpoint, String cluster) {
        return read(c -> {
            List<Submitted> out = new ArrayList<>();
            Where w = new Where("submit_time IS NOT NULL").and("endpoint = ?", endpoint).and("cluster = ?", cluster);
            try (PreparedStatement ps = prepare(c, "SELECT job_id, submit_time, start_time FROM computesets " + w + " ORDER BY id",
                    w.args());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Submitted(rs.getString(1), rs.getLong(2), longOrNull(rs, "start_time")));
            }
            return out;
        });
    }

    /** A job of another system's Slurm as its sacct export has it (comet stats import); times in epoch seconds. */
    public record ImportedJob(String id, String name, String account, long submit, Long start, Long end, String state,
                              Integer nnodes) {
    }

    /** Keeps the jobs of {@code source}, replacing any imported before under the same id; all or nothing. */
    public void importJobs(String source, List<ImportedJob> jobs) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO imported_jobs(source, job_id, job_name,"
                    + " account, submit, start, end_time, state, nnodes) VALUES (?,?,?,?,?,?,?,?,?)")) {
                for (ImportedJob j : jobs) {
                    bind(ps, source, j.id(), j.name(), j.account(), j.submit(), j.start(), j.end(), j.state(), j.nnodes());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Receives one job's submit and start (null: it never started). */
    public interface SubmitStart {
        void accept(long submit, Long start);
    }

    /**
     * Hands {@code each} the imported jobs of {@code source} (null: every source) submitted in [since, until)
     * (null: open), one at a time: an import can hold millions.
     */
    public void importedJobs(String source, Long since, Long until, SubmitStart each) {
        read(c -> {
            Where w = new Where("1=1").and("source = ?", source).and("submit >= ?", since).and("submit < ?", until);
            try (PreparedStatement ps = prepare(c, "SELECT submit, start FROM imported_jobs " + w, w.args());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) each.accept(rs.getLong(1), longOrNull(rs, "start"));
            }
            return null;
        });
    }

    // ---- history --------------------------------------------------------------------------------------------

    public record Event(long time, Long computeset, String cluster, String node, String event, String detail) {
    }

    public void event(Long computeset, String cluster, String node, String event, String detail) {
        write(c -> {
            event(c, computeset, cluster, node, event, detail);
            return null;
        });
    }

    private static void event(Connection c, Long computeset, String cluster, String node, String event, String detail)
            throws SQLException {
        update(c, "INSERT INTO events(time, computeset, cluster, node, event, detail) VALUES (?,?,?,?,?,?)",
                now(), computeset, cluster, node, event, detail);
    }

    public List<Event> events(long computeset) {
        return read(c -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, "SELECT * FROM events WHERE computeset = ? ORDER BY id", computeset);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Event(rs.getLong("time"), longOrNull(rs, "computeset"), rs.getString("cluster"),
                            rs.getString("node"), rs.getString("event"), rs.getString("detail")));
                }
            }
            return out;
        });
    }

    /** For tests and diagnostics: the number of rows of a table. */
    public long count(String table) {
        if (!Arrays.asList("clusters", "nodes", "computesets", "computeset_nodes", "vfs", "events").contains(table)) {
            throw new IllegalArgumentException(table);
        }
        return read(c -> Long.parseLong(one(c, "SELECT count(*) FROM " + table).orElse("0")));
    }
}
