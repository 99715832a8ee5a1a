package org.cloudmesh.cms.api.ssh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.LockedFile;

/**
 * An OpenSSH {@code known_hosts} file ({@code $CLOUDMESH_HOME/known_hosts}): a host's key is trusted the first time
 * it is seen and pinned from then on. Reads what OpenSSH writes — host lists, {@code [host]:port}, hashed names
 * ({@code |1|salt|hash}), wildcards and negations, {@code @revoked} lines (honoured) and {@code @cert-authority}
 * lines (ignored) — and appends plain lines. The file is re-read when it changes, so a key removed with
 * {@code ssh-keygen -R} is forgotten without restarting the shell.
 */
public final class KnownHosts {

    /** What the file says about a host key. */
    public enum Match {
        /** The key is pinned for this host. */
        PINNED,
        /** The file knows nothing about this host (trust on first use applies). */
        UNKNOWN,
        /** The file pins other keys for this host: refuse. */
        CHANGED,
        /** The key is marked {@code @revoked}: refuse. */
        REVOKED
    }

    /** The verdict on one key; {@code entry} is the line that decided it (the pinned line when CHANGED), or null. */
    public record Verdict(Match match, Entry entry) {
    }

    /** One host key line of the file; {@code line} counts from 1. */
    public record Entry(int line, String marker, String hosts, String type, String key, String comment) {
        public Entry {
            Objects.requireNonNull(hosts, "hosts");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(key, "key");
            marker = marker == null ? "" : marker;
            comment = comment == null ? "" : comment;
        }

        /** The key blob (the base64 of the line, decoded). */
        public byte[] keyBytes() {
            return Base64.getDecoder().decode(key);
        }

        public boolean revoked() {
            return marker.equals("@revoked");
        }

        public boolean certAuthority() {
            return marker.equals("@cert-authority");
        }

        /** True when {@code hostName} (as from {@link KnownHosts#hostName}) is named by this line's host list. */
        public boolean matches(String hostName) {
            boolean matched = false;
            for (String pattern : hosts.split(",")) {
                if (pattern.isEmpty()) {
                    continue;
                }
                boolean negated = pattern.startsWith("!");
                String p = negated ? pattern.substring(1) : pattern;
                if (matchesPattern(p, hostName)) {
                    if (negated) {
                        return false; // a negated match wins over any positive one
                    }
                    matched = true;
                }
            }
            return matched;
        }
    }

    private final Path file;
    private List<Entry> entries = List.of();
    private FileTime loadedTime;
    private long loadedSize = -1;

    /** The file need not exist yet; it is created (mode 0600) when the first key is pinned. */
    public KnownHosts(Path file) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    /** The name of a host in a known_hosts file: {@code host} on port 22, {@code [host]:port} otherwise. */
    public static String hostName(String host, int port) {
        return port == SshTarget.DEFAULT_PORT ? host : "[" + host + "]:" + port;
    }

    /** Looks the key up without changing the file. */
    public synchronized Verdict check(String hostName, byte[] key) {
        reloadIfChanged();
        return verdict(entries, hostName, key);
    }

    /**
     * Trust on first use: a host the file does not know yet gets {@code key} pinned (appended) and the verdict is
     * PINNED; otherwise the same as {@link #check}. Safe against other processes appending at the same time.
     */
    public synchronized Verdict trustOnFirstUse(String hostName, byte[] key) {
        reloadIfChanged();
        Verdict verdict = verdict(entries, hostName, key);
        if (verdict.match() != Match.UNKNOWN) {
            return verdict;
        }
        return append(hostName, key);
    }

    /** Every host key line of the file. */
    public synchronized List<Entry> entries() {
        reloadIfChanged();
        return entries;
    }

    /** The lines that name {@code hostName} (any marker). */
    public synchronized List<Entry> entries(String hostName) {
        reloadIfChanged();
        return entries.stream().filter(e -> e.matches(hostName)).toList();
    }

    /**
     * Removes the keys pinned for {@code hostName} (a VM that is gone: the next VM at its address and port has a key
     * of its own). Other lines stay as they are; the file is rewritten in place under its lock.
     */
    public synchronized void forget(String hostName) {
        synchronized (LockedFile.jvmLock(file)) { // a FileLock belongs to the whole JVM: other instances wait here
            forgetLocked(hostName);
        }
    }

    private void forgetLocked(String hostName) {
        if (!Files.exists(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
             FileLock lock = ch.lock()) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> kept = new java.util.ArrayList<>();
            int n = 0;
            for (String line : lines) {
                Entry e;
                try {
                    e = parse(line, ++n);
                } catch (RuntimeException unreadable) {
                    e = null; // kept as it is
                }
                // a revoked key (@revoked) stays revoked
                if (e == null || !e.marker().isEmpty() || !e.matches(hostName)) kept.add(line);
            }
            if (kept.size() == lines.size()) return;
            byte[] text = kept.isEmpty() ? new byte[0] : (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(text), 0);
            ch.force(false);
            remember(read());
        } catch (IOException e) {
            throw new CmsException("cannot rewrite the known hosts file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pins {@code key} for {@code hostName} in place of whatever was pinned for it: for a host whose key cms knows
     * for sure before the first login (it made the key and gave it to the guest).
     */
    public synchronized void pin(String hostName, byte[] key) {
        forget(hostName);
        trustOnFirstUse(hostName, key);
    }

    /** The command that removes a host's pinned keys from this file, for error messages. */
    public String removeCommand(String hostName) {
        return "ssh-keygen -R " + ShellQuote.quote(hostName) + " -f " + ShellQuote.quote(file.toString());
    }

    /** {@code SHA256:...} as {@code ssh-keygen -l} prints it. */
    public static String fingerprint(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** The key type named inside an ssh public key blob, e.g. {@code ssh-ed25519}. */
    public static String keyType(byte[] key) {
        if (key.length < 4) {
            throw new IllegalArgumentException("not an ssh public key (too short)");
        }
        int length = ByteBuffer.wrap(key, 0, 4).getInt();
        if (length <= 0 || length > 64 || 4 + length > key.length) {
            throw new IllegalArgumentException("not an ssh public key (bad type length " + length + ")");
        }
        return new String(key, 4, length, StandardCharsets.US_ASCII);
    }

    /**
     * Parses one line; null for blank lines, comments and lines that are not host keys (they are kept in the file,
     * never rewritten).
     */
    public static Entry parse(String text, int line) {
        String s = text.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return null;
        }
        String[] f = s.split("\\s+", 5);
        int i = 0;
        String marker = "";
        if (f[0].startsWith("@")) {
            marker = f[0];
            i = 1;
        }
        if (f.length < i + 3) {
            return null;
        }
        String hosts = f[i];
        String type = f[i + 1];
        String key = f[i + 2];
        String comment = "";
        if (f.length > i + 3) {
            comment = String.join(" ", Arrays.copyOfRange(f, i + 3, f.length));
        }
        try {
            byte[] blob = Base64.getDecoder().decode(key);
            if (!keyType(blob).equals(type)) {
                return null; // the type field disagrees with the key itself: not a line we can trust
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new Entry(line, marker, hosts, type, key, comment);
    }

    static Verdict verdict(List<Entry> entries, String hostName, byte[] key) {
        String encoded = Base64.getEncoder().encodeToString(key);
        Entry pinned = null;
        Entry other = null;
        for (Entry e : entries) {
            if (e.certAuthority() || !e.matches(hostName)) {
                continue;
            }
            if (e.revoked()) {
                if (e.key().equals(encoded)) {
                    return new Verdict(Match.REVOKED, e);
                }
                continue;
            }
            if (e.key().equals(encoded)) {
                pinned = pinned == null ? e : pinned;
            } else if (other == null) {
                other = e;
            }
        }
        if (pinned != null) {
            return new Verdict(Match.PINNED, pinned);
        }
        if (other != null) {
            return new Verdict(Match.CHANGED, other);
        }
        return new Verdict(Match.UNKNOWN, null);
    }

    static boolean matchesPattern(String pattern, String hostName) {
        if (pattern.startsWith("|1|")) {
            return matchesHashed(pattern, hostName);
        }
        return glob(pattern.toLowerCase(), 0, hostName.toLowerCase(), 0);
    }

    /** {@code |1|base64(salt)|base64(HMAC-SHA1(salt, name))}, as written by HashKnownHosts. */
    private static boolean matchesHashed(String pattern, String hostName) {
        String[] parts = pattern.split("\\|");
        if (parts.length != 4) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            return MessageDigest.isEqual(hash, mac.doFinal(hostName.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** OpenSSH's wildcards: {@code *} any run of characters, {@code ?} exactly one. */
    private static boolean glob(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                for (int k = si; k <= s.length(); k++) {
                    if (glob(p, pi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length() || (c != '?' && c != s.charAt(si))) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
    }

    private Verdict append(String hostName, byte[] key) {
        synchronized (LockedFile.jvmLock(file)) { // a FileLock belongs to the whole JVM: other instances wait here
            return appendLocked(hostName, key);
        }
    }

    private Verdict appendLocked(String hostName, byte[] key) {
        if (hostName.isEmpty() || hostName.chars().anyMatch(c -> c <= ' ' || c == ',')) {
            throw new CmsException("cannot pin a host key for the host name '" + hostName + "'");
        }
        String type = keyType(key);
        String text = hostName + " " + type + " " + Base64.getEncoder().encodeToString(key) + "\n";
        try {
            Path dir = file.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            boolean created = !Files.exists(file);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ); FileLock lock = ch.lock()) {
                if (created) {
                    restrictToOwner();
                }
                // another process may have pinned this host meanwhile: decide again under the lock
                List<Entry> current = read();
                Verdict verdict = verdict(current, hostName, key);
                if (verdict.match() != Match.UNKNOWN) {
                    remember(current);
                    return verdict;
                }
                long size = ch.size();
                if (size > 0) {
                    ByteBuffer last = ByteBuffer.allocate(1);
                    ch.read(last, size - 1);
                    if (last.get(0) != '\n') {
                        text = "\n" + text;
                    }
                }
                ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), size);
                ch.force(false);
            }
            List<Entry> now = read();
            remember(now);
            return verdict(now, hostName, key);
        } catch (IOException e) {
            throw new CmsException("cannot write the known hosts file " + file + ": " + e.getMessage(), e);
        }
    }

    private void restrictToOwner() {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing more we can do
        }
    }

    private void reloadIfChanged() {
        try {
            FileTime time = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (time.equals(loadedTime) && size == loadedSize) {
                return;
            }
            remember(read());
        } catch (NoSuchFileException e) {
            entries = List.of();
            loadedTime = null;
            loadedSize = -1;
        } catch (IOException e) {
            throw new CmsException("cannot read the known hosts file " + file + ": " + e.getMessage(), e);
        }
    }

    private void remember(List<Entry> list) throws IOException {
        entries = list;
        loadedTime = Files.getLastModifiedTime(file);
        loadedSize = Files.size(file);
    }

    private List<Entry> read() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Entry e = parse(lines.get(i), i + 1);
            if (e != null) {
                list.add(e);
            }
        }
        return List.copyOf(list);
    }
}
