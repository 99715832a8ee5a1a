package org.cloudmesh.cms.app.vars;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Variables;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The variables and defaults of {@code $CLOUDMESH_HOME/variables.yaml}, shared by every cms process.
 *
 * <pre>
 * variables:
 *   cloud: aws
 * defaults:
 *   global:
 *     image: ubuntu
 * </pre>
 *
 * <p>Every change takes an exclusive lock on the sibling {@code variables.yaml.lock} (a JVM-wide lock first,
 * then {@link FileChannel#lock()}, so threads and processes queue alike), re-reads the file, applies the change,
 * writes a 0600 temporary file in the same directory and renames it over the old one. Readers never lock: the
 * rename is atomic, so a reader sees the old or the new file, never half of one. A read re-parses the file only
 * when its identity, size or modification time changed; a change re-parses it only when its bytes changed.
 * The lock file holds a token that every write renews, so a writer that finds its own token (and unchanged file
 * attributes) skips the re-read. A change that would not alter anything writes nothing. The file is not
 * fsync'ed: a crash may lose the last change but never leaves a torn file behind.
 *
 * <p>Values are strings and are read exactly as written (YAML scalars are not resolved to numbers or booleans;
 * {@code x:} and {@code x: ~} read as the empty string).
 */
public final class VariableStore implements Variables {
    public static final String FILE_NAME = "variables.yaml";

    /** Variable names. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    /** Default keys and context names: no dots, so {@code default.CONTEXT.KEY} is never ambiguous. */
    public static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private static final String HEADER = "# cms variables and defaults; change them with 'cms set' and 'cms default'\n";
    private static final Map<Path, FileGuard> GUARDS = new ConcurrentHashMap<>();
    private static final AtomicLong TEMP_COUNTER = new AtomicLong();
    private static final AtomicLong TOKEN_COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();
    private static final Set<StandardOpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);

    private final Path file;
    private final Path lockFile;
    private final FileGuard guard;
    private volatile Snapshot cache;

    public VariableStore(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.guard = GUARDS.computeIfAbsent(this.file, p -> new FileGuard());
    }

    /** The store of a cms home directory: {@code home/variables.yaml}. */
    public static VariableStore in(Path home) {
        return new VariableStore(home.resolve(FILE_NAME));
    }

    public Path file() {
        return file;
    }

    // ---- names --------------------------------------------------------------------------------------------

    /** Throws a CmsException saying what is wrong with a variable name. */
    public static void checkName(String name) {
        check(name, NAME, "variable name", "letters, digits, '_', '.' and '-'");
    }

    /** Throws a CmsException saying what is wrong with a default key or a context name. */
    public static void checkKey(String key, String what) {
        check(key, KEY, what, "letters, digits, '_' and '-'");
    }

    private static void check(String name, Pattern pattern, String what, String allowed) {
        if (name == null || name.isEmpty()) {
            throw new CmsException("the " + what + " is empty: write NAME=VALUE with a NAME of " + allowed);
        }
        if (pattern.matcher(name).matches()) return;
        String problem;
        if (name.chars().anyMatch(Character::isWhitespace)) {
            problem = "contains a space";
        } else if (!Character.isLetter(name.charAt(0)) && name.charAt(0) != '_') {
            problem = "must start with a letter or '_'";
        } else {
            problem = "may hold only " + allowed;
        }
        throw new CmsException("invalid " + what + " '" + name + "': it " + problem + " (" + allowed
                + "; first a letter or '_')");
    }

    private static void checkValue(String value) {
        if (value == null) throw new CmsException("a value is missing: write NAME=VALUE (VALUE may be empty)");
    }

    // ---- reads --------------------------------------------------------------------------------------------

    @Override
    public Optional<String> get(String name) {
        return Optional.ofNullable(read().data.variables.get(name));
    }

    @Override
    public Map<String, String> all() {
        return Collections.unmodifiableSortedMap(read().data.variables);
    }

    @Override
    public Optional<String> getDefault(String context, String key) {
        SortedMap<String, String> c = read().data.defaults.get(context == null ? GLOBAL : context);
        return Optional.ofNullable(c == null ? null : c.get(key));
    }

    @Override
    public Map<String, Map<String, String>> defaults() {
        Map<String, Map<String, String>> result = new TreeMap<>();
        read().data.defaults.forEach((c, m) -> result.put(c, Collections.unmodifiableSortedMap(m)));
        return Collections.unmodifiableMap(result);
    }

    // ---- changes ------------------------------------------------------------------------------------------

    @Override
    public void set(String name, String value) {
        checkName(name);
        checkValue(value);
        update(d -> {
            d.variables.put(name, value);
            return null;
        });
    }

    @Override
    public boolean delete(String name) {
        return update(d -> d.variables.remove(name) != null);
    }

    @Override
    public void clear() {
        update(d -> {
            d.variables.clear();
            return null;
        });
    }

    @Override
    public void setDefault(String context, String key, String value) {
        String c = context == null ? GLOBAL : context;
        checkKey(c, "context name");
        checkKey(key, "default key");
        checkValue(value);
        update(d -> {
            d.defaults.computeIfAbsent(c, x -> new TreeMap<>()).put(key, value);
            return null;
        });
    }

    @Override
    public boolean deleteDefault(String context, String key) {
        String c = context == null ? GLOBAL : context;
        return update(d -> {
            SortedMap<String, String> m = d.defaults.get(c);
            if (m == null || m.remove(key) == null) return false;
            if (m.isEmpty()) d.defaults.remove(c);
            return true;
        });
    }

    @Override
    public boolean deleteContext(String context) {
        return update(d -> d.defaults.remove(context) != null);
    }

    // ---- the file -----------------------------------------------------------------------------------------

    private interface Change<T> {
        T apply(Data data);
    }

    /** Lock, re-read, change, write a temp file, rename, unlock. */
    private <T> T update(Change<T> change) {
        guard.lock(lockFile, file);
        try {
            Snapshot before = readLocked();
            Data data = before.data.copy();
            T result = change.apply(data);
            if (!data.equals(before.data)) write(data);
            return result;
        } finally {
            guard.unlock();
        }
    }

    /**
     * Under the lock: the file as it is now. Every cms write leaves a new token in the lock file, so when the
     * token is the one of our snapshot and the file's attributes are too, nobody changed the file since and it
     * need not be read. Otherwise it is read, and parsed only when its bytes differ from the snapshot's.
     */
    private Snapshot readLocked() {
        String token = guard.token();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return cache = Snapshot.EMPTY;
        } catch (IOException e) {
            throw ioError("read", e);
        }
        Snapshot s = cache;
        if (s != null && token != null && token.equals(s.token) && s.same(attrs)) return s;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return cache = Snapshot.EMPTY;
        } catch (IOException e) {
            throw ioError("read", e);
        }
        Data data = s != null && s.bytes != null && Arrays.equals(s.bytes, bytes) ? s.data : parse(bytes);
        return cache = new Snapshot(attrs, bytes, data, token);
    }

    /** Without a lock: the cached snapshot while the file looks unchanged, else a fresh read. */
    private Snapshot read() {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return cache = Snapshot.EMPTY;
        } catch (IOException e) {
            throw ioError("read", e);
        }
        Snapshot s = cache;
        if (s != null && s.same(attrs)) return s;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return cache = Snapshot.EMPTY;
        } catch (IOException e) {
            throw ioError("read", e);
        }
        // a rename between the two calls only makes the next read look again
        Data data = s != null && s.bytes != null && Arrays.equals(s.bytes, bytes) ? s.data : parse(bytes);
        return cache = new Snapshot(attrs, bytes, data, null);
    }

    private void write(Data data) {
        byte[] bytes = YamlText.format(HEADER, data.variables, data.defaults).getBytes(StandardCharsets.UTF_8);
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + PID + "." + TEMP_COUNTER.incrementAndGet()
                + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, CREATE_NEW, ownerOnly(tmp))) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) ch.write(buffer);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            String token = guard.newToken();
            cache = new Snapshot(Files.readAttributes(file, BasicFileAttributes.class), bytes, data, token);
        } catch (IOException e) {
            throw ioError("write", e);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path path) {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
        }
        return new FileAttribute<?>[0];
    }

    private static FileAttribute<?>[] ownerOnlyDir(Path path) {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))};
        }
        return new FileAttribute<?>[0];
    }

    private CmsException ioError(String verb, IOException e) {
        return new CmsException("cannot " + verb + " " + file + ": " + reason(e)
                + " (check that " + file.getParent() + " is a directory writable by you)", e);
    }

    // ---- YAML ---------------------------------------------------------------------------------------------

    private Data parse(byte[] bytes) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw corrupt(m, problem.replace('\n', ' ').strip(), e);
        } catch (YAMLException e) {
            throw corrupt(null, String.valueOf(e.getMessage()).replace('\n', ' ').strip(), e);
        }
        Data data = new Data();
        if (root == null) return data;
        for (NodeTuple t : mapping(root, "the file")) {
            String section = scalar(t.getKeyNode(), "a section name");
            switch (section) {
                case "variables" -> {
                    for (NodeTuple v : mapping(t.getValueNode(), "'variables'")) {
                        put(data.variables, v, "variable");
                    }
                }
                case "defaults" -> {
                    for (NodeTuple c : mapping(t.getValueNode(), "'defaults'")) {
                        String context = scalar(c.getKeyNode(), "a context name");
                        if (data.defaults.containsKey(context)) {
                            throw corrupt(c.getKeyNode().getStartMark(), "context '" + context + "' appears twice", null);
                        }
                        SortedMap<String, String> m = data.defaults.computeIfAbsent(context, x -> new TreeMap<>());
                        for (NodeTuple kv : mapping(c.getValueNode(), "context '" + context + "'")) {
                            put(m, kv, "default");
                        }
                        if (m.isEmpty()) data.defaults.remove(context);
                    }
                }
                default -> throw corrupt(t.getKeyNode().getStartMark(),
                        "unexpected section '" + section + "' (the file holds only 'variables' and 'defaults')", null);
            }
        }
        return data;
    }

    private void put(Map<String, String> map, NodeTuple t, String what) {
        String key = scalar(t.getKeyNode(), "a " + what + " name");
        if (map.put(key, value(t.getValueNode())) != null) {
            throw corrupt(t.getKeyNode().getStartMark(), what + " '" + key + "' appears twice", null);
        }
    }

    private List<NodeTuple> mapping(Node node, String what) {
        if (node instanceof MappingNode m) return m.getValue();
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) return List.of();
        throw corrupt(node.getStartMark(), what + " must be a mapping of name: value", null);
    }

    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode s) return s.getValue();
        throw corrupt(node.getStartMark(), what + " must be a plain string", null);
    }

    private String value(Node node) {
        if (node instanceof ScalarNode s) return s.getTag().equals(Tag.NULL) ? "" : s.getValue();
        throw corrupt(node.getStartMark(), "a value must be a string, not a list or a mapping", null);
    }

    private CmsException corrupt(Mark mark, String problem, Exception cause) {
        String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        return new CmsException("corrupt variables file " + file + where + ": " + problem
                + "; fix it in an editor or remove it (it only holds variables and defaults)", cause);
    }

    // ---- state --------------------------------------------------------------------------------------------

    /** The file's content as maps; mutable only inside {@link #update} on a copy. */
    private static final class Data {
        final TreeMap<String, String> variables = new TreeMap<>();
        final TreeMap<String, SortedMap<String, String>> defaults = new TreeMap<>();

        Data copy() {
            Data d = new Data();
            d.variables.putAll(variables);
            defaults.forEach((c, m) -> d.defaults.put(c, new TreeMap<>(m)));
            return d;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.variables.equals(variables) && d.defaults.equals(defaults);
        }

        @Override
        public int hashCode() {
            return Objects.hash(variables, defaults);
        }
    }

    /** What was read, and the file attributes it was read with. */
    private static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(null, null, new Data(), null);
        final Object fileKey;
        final FileTime modified;
        final long size;
        final byte[] bytes;
        final Data data;
        /** The lock file's token when this was read or written under the lock, else null. */
        final String token;

        Snapshot(BasicFileAttributes attrs, byte[] bytes, Data data, String token) {
            this.token = token;
            this.fileKey = attrs == null ? null : attrs.fileKey();
            this.modified = attrs == null ? null : attrs.lastModifiedTime();
            this.size = attrs == null ? -1 : attrs.size();
            this.bytes = bytes;
            this.data = data;
        }

        boolean same(BasicFileAttributes a) {
            return modified != null && size == a.size() && modified.equals(a.lastModifiedTime())
                    && Objects.equals(fileKey, a.fileKey());
        }
    }

    /**
     * One per file and JVM: a JVM lock in front of the OS lock on the lock file, because POSIX file locks are
     * held per process (a second lock from the same JVM throws, and closing any channel drops them all). The
     * channel stays open; it is only ever opened or closed while holding the JVM lock. The lock file is never
     * removed, so every process locks the same inode. Its content is the token of the last write.
     */
    private static final class FileGuard {
        private static final int TOKEN_LENGTH = 48;
        private final ReentrantLock jvm = new ReentrantLock();
        private FileChannel channel;
        private FileLock lock;

        void lock(Path lockFile, Path file) {
            jvm.lock();
            try {
                if (channel == null || !channel.isOpen()) {
                    if (!Files.isDirectory(lockFile.getParent())) {
                        Files.createDirectories(lockFile.getParent(), ownerOnlyDir(lockFile.getParent()));
                    }
                    channel = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE), ownerOnly(lockFile));
                }
                lock = channel.lock();
            } catch (IOException e) {
                close();
                jvm.unlock();
                throw new CmsException("cannot lock " + lockFile + " to change " + file.getFileName() + ": "
                        + reason(e) + " (check that " + lockFile.getParent() + " is a directory writable by you)", e);
            } catch (RuntimeException | Error e) {
                close();
                jvm.unlock();
                throw e;
            }
        }

        void unlock() {
            try {
                lock.release();
            } catch (IOException e) {
                close(); // closing the channel drops the lock for sure
            } finally {
                lock = null;
                jvm.unlock();
            }
        }

        /** Under the lock: the token of the last write, or null when there is none or it cannot be read. */
        String token() {
            try {
                ByteBuffer b = ByteBuffer.allocate(TOKEN_LENGTH);
                while (b.hasRemaining() && channel.read(b, b.position()) > 0) { /* read on */ }
                return b.position() == TOKEN_LENGTH ? new String(b.array(), StandardCharsets.US_ASCII) : null;
            } catch (IOException e) {
                return null;
            }
        }

        /** Under the lock, after a write: leaves a new token; a failure only costs the next writer a re-read. */
        String newToken() {
            String token = String.format("%-47s\n", PID + "-" + Long.toHexString(System.nanoTime()) + "-"
                    + TOKEN_COUNTER.incrementAndGet()).substring(0, TOKEN_LENGTH);
            try {
                ByteBuffer b = ByteBuffer.wrap(token.getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) channel.write(b, b.position());
                return token;
            } catch (IOException e) {
                return null;
            }
        }

        private void close() {
            if (channel == null) return;
            try {
                channel.close();
            } catch (IOException e) {
                // the lock goes with the channel either way
            }
            channel = null;
        }
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "a file is in the way";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return String.valueOf(e.getMessage());
    }
}
