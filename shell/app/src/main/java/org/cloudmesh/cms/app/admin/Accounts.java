package org.cloudmesh.cms.app.admin;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.sqlite.Sqlite;

/**
 * The server's accounts in {@code $CLOUDMESH_HOME/server.db} (0600): users (password hash, TOTP secret, projects,
 * admin, disabled) and the API keys {@code GET /getkey} hands out. The TOTP and API secrets are stored encrypted
 * with {@link SecretBox} ({@code server.key}); disabling a user revokes every key of theirs. Safe to share between
 * the server and {@code cms admin} commands in other processes (SQLite WAL, one transaction per change).
 */
public final class Accounts implements AutoCloseable {
    public static final String DB = "server.db";
    public static final String KEY = "server.key";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** {@code lockedUntil}: after too many wrong one-time codes, logins are refused until then (null: not locked). */
    public record User(String name, Set<String> projects, boolean admin, boolean disabled, Instant created, boolean enrolled,
                       Instant lockedUntil) {}

    /** Wrong one-time codes in a row (after a right password) that lock the user, and for how long (as pam_faillock). */
    public static final int MAX_WRONG_CODES = 5;
    public static final long LOCK_SECONDS = 15 * 60;

    /** An API key as the server checks it: whose it is, its secret in clear, and when it was made (unix seconds). */
    public record ApiKey(String keyId, String secret, User user, long created) {}

    /** An API key as an administrator sees it (never the secret). */
    public record KeyInfo(String keyId, String user, Instant created) {}

    private final Path file;
    private final Connection db;
    private final SecretBox box;

    private Accounts(Path file, Connection db, SecretBox box) {
        this.file = file;
        this.db = db;
        this.box = box;
    }

    public static Accounts open(Path home) {
        org.cloudmesh.cms.app.PrivateFiles.createDirectory(home);
        Path file = home.resolve(DB);
        SecretBox box = SecretBox.open(home.resolve(KEY));
        Connection db = Sqlite.open(file);
        try (Statement s = db.createStatement()) {
            s.executeUpdate("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password TEXT NOT NULL, "
                    + "totp_secret TEXT, totp_step INTEGER NOT NULL DEFAULT 0, admin INTEGER NOT NULL DEFAULT 0, "
                    + "disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL)");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS user_projects (user TEXT NOT NULL REFERENCES users(name), "
                    + "project TEXT NOT NULL, PRIMARY KEY (user, project))");
            s.executeUpdate("CREATE TABLE IF NOT EXISTS api_keys (key_id TEXT PRIMARY KEY, user TEXT NOT NULL "
                    + "REFERENCES users(name), secret TEXT NOT NULL, created INTEGER NOT NULL)");
            // lock-out after wrong one-time codes (added after the first release: older files get the columns here)
            boolean hasLock = false;
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(users)")) {
                while (rs.next()) hasLock |= rs.getString("name").equals("locked_until");
            }
            if (!hasLock) {
                s.executeUpdate("ALTER TABLE users ADD COLUMN wrong_codes INTEGER NOT NULL DEFAULT 0");
                s.executeUpdate("ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0");
            }
        } catch (SQLException e) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // already failing
            }
            throw Sqlite.failure(file, e);
        }
        return new Accounts(file, db, box);
    }

    /** A user or project name (letters, digits, '.', '_', '-'), at most 64 characters. */
    public static String checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z0-9._-]+")) {
            throw new CmsException("invalid " + what + " '" + name + "': use letters, digits, '.', '_' or '-' (at most 64)");
        }
        return name;
    }

    /** Adds a user with a new TOTP secret. @return the TOTP secret (base32) to enrol */
    public synchronized String add(String name, char[] password, Set<String> projects, boolean admin) {
        checkName(name, "user name");
        for (String p : projects) checkName(p, "project name");
        if (password.length < 8) throw new CmsException("the password is too short: use at least 8 characters");
        String hash = Passwords.hash(password);
        String secret = Totp.newSecret();
        try {
            db.setAutoCommit(false);
            try {
                if (find(name).isPresent()) throw new CmsException("user " + name + " exists (see 'admin user list')");
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO users (name, password, totp_secret, admin, created) VALUES (?,?,?,?,?)")) {
                    ps.setString(1, name);
                    ps.setString(2, hash);
                    ps.setString(3, box.seal(secret));
                    ps.setInt(4, admin ? 1 : 0);
                    ps.setLong(5, Instant.now().getEpochSecond());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = db.prepareStatement("INSERT INTO user_projects (user, project) VALUES (?,?)")) {
                    for (String p : projects) {
                        ps.setString(1, name);
                        ps.setString(2, p);
                        ps.executeUpdate();
                    }
                }
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
        return secret;
    }

    /** Gives the user a new TOTP secret (the old one stops working). @return the new secret (base32) */
    public synchronized String enroll(String name) {
        String secret = Totp.newSecret();
        update("UPDATE users SET totp_secret = ?, totp_step = 0 WHERE name = ?", name, box.seal(secret));
        return secret;
    }

    /** Disables the user: no new key, and every key of theirs is refused from now on. */
    public synchronized void disable(String name) {
        update("UPDATE users SET disabled = 1 WHERE name = ?", name, null);
    }

    /** Enables a disabled user, and unlocks one locked by wrong one-time codes. */
    public synchronized void enable(String name) {
        update("UPDATE users SET disabled = 0, wrong_codes = 0, locked_until = 0 WHERE name = ?", name, null);
    }

    private void update(String sql, String name, String value) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            int i = 1;
            if (value != null) ps.setString(i++, value);
            ps.setString(i, name);
            if (ps.executeUpdate() == 0) throw new CmsException("no user " + name + " (see 'admin user list')");
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    public synchronized Optional<User> find(String name) {
        try (PreparedStatement ps = db.prepareStatement("SELECT name, admin, disabled, created, totp_secret IS NOT NULL, locked_until FROM users WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(user(rs));
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    public synchronized List<User> list() {
        List<User> users = new ArrayList<>();
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, admin, disabled, created, totp_secret IS NOT NULL, locked_until FROM users ORDER BY name")) {
            while (rs.next()) users.add(user(rs));
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
        return users;
    }

    private User user(ResultSet rs) throws SQLException {
        String name = rs.getString(1);
        long locked = rs.getLong(6);
        return new User(name, projects(name), rs.getInt(2) != 0, rs.getInt(3) != 0, Instant.ofEpochSecond(rs.getLong(4)), rs.getInt(5) != 0,
                locked > Instant.now().getEpochSecond() ? Instant.ofEpochSecond(locked) : null);
    }

    private Set<String> projects(String name) throws SQLException {
        Set<String> p = new TreeSet<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT project FROM user_projects WHERE user = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) p.add(rs.getString(1));
            }
        }
        return new LinkedHashSet<>(p);
    }

    /** What a login attempt found wrong, in words the 401 answer uses. */
    public enum LoginFailure { BAD_PASSWORD, NOT_ENROLLED, BAD_CODE, REUSED_CODE, DISABLED, LOCKED }

    /**
     * What a refused login is told, whatever was wrong, until both factors are right: a password is never confirmed
     * without the second factor (the audit trail has the real reason).
     */
    public static final String LOGIN_FAILED = "wrong user, password or one-time code (a code is good once: wait for the next one)";

    public static final class LoginException extends CmsException {
        public final LoginFailure failure;

        LoginException(LoginFailure failure, String message) {
            super(message);
            this.failure = failure;
        }

        /** What the client is told: the reason only when both factors were right (disabled, locked). */
        public String answer() {
            return failure == LoginFailure.DISABLED || failure == LoginFailure.LOCKED ? getMessage() : LOGIN_FAILED;
        }
    }

    /**
     * Checks user, password and one-time code (a code is good once: a code of a step already used is refused), and
     * hands out a new API key. @throws LoginException saying which check failed
     */
    public ApiKey login(String name, char[] password, String code, long unixSeconds) {
        String hash;
        String sealedSecret;
        long lastStep;
        boolean disabled;
        long lockedUntil;
        synchronized (this) {
            try (PreparedStatement ps = db.prepareStatement("SELECT password, totp_secret, totp_step, disabled, locked_until FROM users WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    boolean found = rs.next();
                    hash = found ? rs.getString(1) : null;
                    sealedSecret = found ? rs.getString(2) : null;
                    lastStep = found ? rs.getLong(3) : 0;
                    disabled = found && rs.getInt(4) != 0;
                    lockedUntil = found ? rs.getLong(5) : 0;
                }
            } catch (SQLException e) {
                throw Sqlite.failure(file, e);
            }
        }
        // the slow hash runs outside the lock, and for an unknown user too (no timing hint of who exists)
        if (!Passwords.verify(password, hash)) throw new LoginException(LoginFailure.BAD_PASSWORD, "wrong user or password");
        if (sealedSecret == null) throw new LoginException(LoginFailure.NOT_ENROLLED, "user " + name + " has no second factor: ask an administrator for 'admin user enroll " + name + "'");
        long step = Totp.match(box.open(sealedSecret), code, unixSeconds);
        if (lockedUntil > unixSeconds) {
            // while locked, a wrong code is not counted; only with both factors right does the answer say "locked"
            throw new LoginException(step < 0 || step <= lastStep ? LoginFailure.BAD_CODE : LoginFailure.LOCKED,
                    (step < 0 ? "wrong one-time code while " : "") + locked(name, lockedUntil));
        }
        if (step < 0) throw new LoginException(LoginFailure.BAD_CODE, wrongCode(name, unixSeconds));
        if (step <= lastStep || !useStep(name, step)) throw new LoginException(LoginFailure.REUSED_CODE, "this one-time code was already used: wait for the next one");
        if (disabled) throw new LoginException(LoginFailure.DISABLED, "user " + name + " is disabled");
        String keyId = randomId();
        String secret = randomSecret();
        synchronized (this) {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO api_keys (key_id, user, secret, created) VALUES (?,?,?,?)")) {
                ps.setString(1, keyId);
                ps.setString(2, name);
                ps.setString(3, box.seal(secret));
                ps.setLong(4, unixSeconds);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw Sqlite.failure(file, e);
            }
        }
        return new ApiKey(keyId, secret, find(name).orElseThrow(), unixSeconds);
    }

    /**
     * Checks a one-time code for a request that needs a fresh second factor. @return null when good, else what is
     * wrong
     */
    public String checkCode(String name, String code, long unixSeconds) {
        String sealed;
        long lastStep;
        long lockedUntil;
        synchronized (this) {
            try (PreparedStatement ps = db.prepareStatement("SELECT totp_secret, totp_step, locked_until FROM users WHERE name = ? AND disabled = 0")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return "user " + name + " is disabled";
                    sealed = rs.getString(1);
                    lastStep = rs.getLong(2);
                    lockedUntil = rs.getLong(3);
                }
            } catch (SQLException e) {
                throw Sqlite.failure(file, e);
            }
        }
        if (sealed == null) return "user " + name + " has no second factor";
        if (lockedUntil > unixSeconds) return locked(name, lockedUntil);
        long step = Totp.match(box.open(sealed), code, unixSeconds);
        if (step < 0) return wrongCode(name, unixSeconds);
        if (step <= lastStep || !useStep(name, step)) return "this one-time code was already used: wait for the next one";
        return null;
    }

    /**
     * Counts a wrong one-time code; the {@value #MAX_WRONG_CODES}th in a row locks the user for {@value #LOCK_SECONDS}
     * seconds, so that six digits cannot be guessed by trying them all. @return the message for the refusal
     */
    private synchronized String wrongCode(String name, long unixSeconds) {
        long until = unixSeconds + LOCK_SECONDS;
        // one statement (SET sees the old values): the count that reaches the limit locks, and starts again at 0
        try (PreparedStatement ps = db.prepareStatement("UPDATE users SET"
                + " locked_until = CASE WHEN wrong_codes + 1 >= ? THEN ? ELSE locked_until END,"
                + " wrong_codes = CASE WHEN wrong_codes + 1 >= ? THEN 0 ELSE wrong_codes + 1 END WHERE name = ?")) {
            ps.setInt(1, MAX_WRONG_CODES);
            ps.setLong(2, until);
            ps.setInt(3, MAX_WRONG_CODES);
            ps.setString(4, name);
            ps.executeUpdate();
            try (PreparedStatement q = db.prepareStatement("SELECT locked_until = ? FROM users WHERE name = ?")) {
                q.setLong(1, until);
                q.setString(2, name);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) return "wrong one-time code; " + locked(name, until);
                }
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
        return "wrong one-time code";
    }

    private static String locked(String name, long until) {
        return "user " + name + " is locked after " + MAX_WRONG_CODES + " wrong one-time codes until "
                + Instant.ofEpochSecond(until) + ": wait, or ask an administrator for 'admin user enable " + name + "'";
    }

    /** Records that the code of {@code step} is spent; false when another request spent it (or a later one) first. */
    private synchronized boolean useStep(String name, long step) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE users SET totp_step = ?, wrong_codes = 0 WHERE name = ? AND totp_step < ?")) {
            ps.setLong(1, step);
            ps.setString(2, name);
            ps.setLong(3, step);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    /** The key and its user as they are now (a disabled user's key comes back with {@code disabled} set). */
    public synchronized Optional<ApiKey> key(String keyId) {
        try (PreparedStatement ps = db.prepareStatement("SELECT secret, user, created FROM api_keys WHERE key_id = ?")) {
            ps.setString(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                String sealed = rs.getString(1);
                String user = rs.getString(2);
                long created = rs.getLong(3);
                Optional<User> u = find(user);
                if (u.isEmpty()) return Optional.empty();
                return Optional.of(new ApiKey(keyId, box.open(sealed), u.get(), created));
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    /** The API keys, oldest first; only {@code user}'s when it is not null. */
    public synchronized List<KeyInfo> keys(String user) {
        List<KeyInfo> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT key_id, user, created FROM api_keys"
                + (user == null ? "" : " WHERE user = ?") + " ORDER BY created, key_id")) {
            if (user != null) ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new KeyInfo(rs.getString(1), rs.getString(2), Instant.ofEpochSecond(rs.getLong(3))));
            }
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
        return out;
    }

    /** Revokes one API key: it stops working at once (a server notices within a second). @return whose key it was */
    public synchronized String revoke(String keyId) {
        try (PreparedStatement q = db.prepareStatement("SELECT user FROM api_keys WHERE key_id = ?");
             PreparedStatement d = db.prepareStatement("DELETE FROM api_keys WHERE key_id = ?")) {
            q.setString(1, keyId);
            String user;
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) throw new CmsException("no API key " + keyId + " (see 'admin key list')");
                user = rs.getString(1);
            }
            d.setString(1, keyId);
            d.executeUpdate();
            return user;
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    /** Removes the keys made before {@code createdBefore} (unix seconds): expired ones. @return how many */
    public synchronized int purgeKeys(long createdBefore) {
        try (PreparedStatement d = db.prepareStatement("DELETE FROM api_keys WHERE created < ?")) {
            d.setLong(1, createdBefore);
            return d.executeUpdate();
        } catch (SQLException e) {
            throw Sqlite.failure(file, e);
        }
    }

    private static String randomId() {
        byte[] b = new byte[15];
        RANDOM.nextBytes(b);
        return Totp.base32(b); // 24 characters [A-Z2-7]
    }

    private static String randomSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // closing: nothing left to save
        }
    }
}
