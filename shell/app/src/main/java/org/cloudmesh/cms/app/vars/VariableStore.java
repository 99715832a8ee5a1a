package org.cloudmesh.cms.app.vars;

import java.io.IOException;
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
import java.time.Duration;
import java.util.ArrayList;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.VariableNames;
import org.cloudmesh.cms.api.Variables;

/**
 * The variables and defaults of {@code $CLOUDMESH_HOME/variables.yaml}, shared by every cms process.
 *
 * <pre>
 * variables:
 *   cloud: 'aws'
 * defaults:
 *   global:
 *     image: 'ubuntu'
 * </pre>
 *
 * <p><b>Writing.</b> A change takes an exclusive lock on the sibling {@code variables.yaml.lock} (a JVM-wide lock
 * first, then {@link FileChannel#lock()}, so threads and processes queue alike), re-reads the file, applies the
 * change, writes a 0600 temporary file in the same directory, renames it over the old one and unlocks. Readers
 * never lock: the rename is atomic, so they see the old or the new file, never half of one. A change that alters
 * nothing writes nothing. The file is not fsync'ed: a crash may lose the last change, never tear the file.
 *
 * <p><b>Write-behind</b> ({@link #writeBehind}): on ext4 a rename over an existing file flushes the new file's
 * data, which costs ~0.3 ms a write on a virtual disk and caps a script at a few thousand {@code set}s a second.
 * With write-behind, changes are applied to this JVM's view at once and merged into the file, by the same
 * lock / re-read / rename cycle, at most {@code maxDelay} later, on {@link #flush()} or {@link #close()}, by a
 * strict change, and at a normal JVM exit (a shutdown hook; {@code Runtime.halt()} skips it: the shell closes
 * its store before halting).
 * Another process's writes are never lost: the pending changes are replayed on the file as it is at
 * the time of the flush. The cost is that another process sees the change up to {@code maxDelay} late.
 *
 * <p><b>Reading.</b> A read re-reads the file only when its identity, size or modification time changed. Every
 * write renews a token in the lock file, so a writer that finds its own token (and unchanged attributes) skips
 * the re-read. Values are strings, read exactly as written (YAML scalars are not resolved to numbers or
 * booleans; {@code x:} and {@code x: ~} read as the empty string). All instances over one file in one JVM share
 * their cache and their pending changes.
 */
public final class VariableStore implements Variables, AutoCloseable {
    public static final String FILE_NAME = "variables.yaml";

    static final String HEADER = "# cms variables and defaults; change them with 'cms set' and 'cms default'\n";
    private static final Map<Path, Shared> SHARED = new ConcurrentHashMap<>();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();
    private static final Set<StandardOpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
    private static final Set<StandardOpenOption> LOCK_OPEN = Set.of(StandardOpenOption.CREATE,
            StandardOpenOption.READ, StandardOpenOption.WRITE);

    private final Path file;
    private final Shared shared;
    private volatile long delayNanos;

    /** A store over {@code file}; each change is written before the call returns (see {@link #writeBehind}). */
    public VariableStore(Path file) {
        this.file = file.toAbsolutePath().normalize();
        this.shared = SHARED.computeIfAbsent(this.file, Shared::new);
    }

    /** The store of a cms home directory: {@code home/variables.yaml}. */
    public static VariableStore in(Path home) {
        return new VariableStore(home.resolve(FILE_NAME));
    }

    public Path file() {
        return file;
    }

    /**
     * Lets this store's changes reach the file up to {@code maxDelay} late (zero: every change at once, the
     * default). Changes still pending are written at JVM exit, by {@link #flush()} and by any strict change.
     * @return this
     */
    public VariableStore writeBehind(Duration maxDelay) {
        this.delayNanos = Math.max(0, maxDelay.toNanos());
        if (delayNanos == 0) flush();
        return this;
    }

    /** Writes this JVM's pending changes to the file now; a no-op when there are none. */
    public void flush() {
        shared.commit(null);
    }

    /** Writes what is pending ({@link #flush()}): the shell closes its store before the process halts. */
    @Override
    public void close() {
        flush();
    }

    /**
     * Writes the pending changes of every store in this JVM. Call it before {@code Runtime.halt()}, which skips
     * the exit hook that would otherwise do it. Tries every file; then throws the first failure, if any.
     */
    public static void flushAll() {
        CmsException first = null;
        for (Shared s : SHARED.values()) {
            try {
                s.commit(null);
            } catch (CmsException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    private static void checkValue(String value) {
        if (value == null) throw new CmsException("a value is missing: write NAME=VALUE (VALUE may be empty)");
    }

    // ---- reads --------------------------------------------------------------------------------------------

    @Override
    public Optional<String> get(String name) {
        synchronized (shared) {
            return Optional.ofNullable(shared.view().variables.get(name));
        }
    }

    @Override
    public Map<String, String> all() {
        synchronized (shared) {
            return Collections.unmodifiableSortedMap(new TreeMap<>(shared.view().variables));
        }
    }

    @Override
    public Optional<String> getDefault(String context, String key) {
        synchronized (shared) {
            SortedMap<String, String> c = shared.view().defaults.get(context == null ? GLOBAL : context);
            return Optional.ofNullable(c == null ? null : c.get(key));
        }
    }

    @Override
    public Map<String, Map<String, String>> defaults() {
        synchronized (shared) {
            Map<String, Map<String, String>> result = new TreeMap<>();
            shared.view().defaults.forEach((c, m) ->
                    result.put(c, Collections.unmodifiableSortedMap(new TreeMap<>(m))));
            return Collections.unmodifiableMap(result);
        }
    }

    // ---- changes ------------------------------------------------------------------------------------------

    @Override
    public void set(String name, String value) {
        VariableNames.variable(name);
        checkValue(value);
        change(d -> d.variables.put(name, value));
    }

    @Override
    public boolean delete(String name) {
        return change(d -> d.variables.remove(name) != null);
    }

    @Override
    public void clear() {
        change(d -> {
            d.variables.clear();
            return null;
        });
    }

    @Override
    public void setDefault(String context, String key, String value) {
        String c = context == null ? GLOBAL : context;
        VariableNames.context(c);
        VariableNames.key(key);
        checkValue(value);
        change(d -> d.defaults.computeIfAbsent(c, x -> new TreeMap<>()).put(key, value));
    }

    @Override
    public boolean deleteDefault(String context, String key) {
        String c = context == null ? GLOBAL : context;
        return change(d -> {
            SortedMap<String, String> m = d.defaults.get(c);
            if (m == null || m.remove(key) == null) return false;
            if (m.isEmpty()) d.defaults.remove(c);
            return true;
        });
    }

    @Override
    public boolean deleteContext(String context) {
        return change(d -> d.defaults.remove(context) != null);
    }

    /** A change of the maps; replayed on the file's content when pending changes are merged. */
    private interface Change {
        Object apply(Data data);
    }

    @SuppressWarnings("unchecked")
    private <T> T change(Change change) {
        long delay = delayNanos;
        return (T) (delay > 0 ? shared.defer(change, delay) : shared.commit(change));
    }

    // ---- state shared by the stores of one file in this JVM ----------------------------------------------

    /**
     * One per file and JVM. {@code jvm} is held while holding the OS lock, because POSIX file locks belong to
     * the process (a second lock from the same JVM throws; closing any channel on the file drops them all).
     * The lock file stays open and is never removed, so every process locks the same inode; its content is
     * the token of the last write. The monitor guards the cache and the pending changes; it is never held
     * while waiting for the OS lock.
     */
    private static final class Shared {
        private static final int TOKEN_LENGTH = 48;
        final Path file;
        final Path lockFile;
        final ReentrantLock jvm = new ReentrantLock();
        private FileChannel channel;
        private FileLock lock;
        // guarded by this:
        private Snapshot cache;
        private final List<Change> pending = new ArrayList<>();
        private Data view;
        private Snapshot viewOf;
        private boolean scheduled;
        private long delayNanos;
        private CmsException failure;

        Shared(Path file) {
            this.file = file;
            this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
        }

        // -- reads (under the monitor) --

        /** The file's content plus this JVM's pending changes; not to be changed by the caller. */
        Data view() {
            Snapshot s = refresh();
            if (pending.isEmpty()) return s.data;
            if (viewOf != s) {
                view = s.data.copy();
                for (Change c : pending) c.apply(view);
                viewOf = s;
            }
            return view;
        }

        /** The cached snapshot while the file looks unchanged, else a fresh read. */
        private Snapshot refresh() {
            BasicFileAttributes attrs = attributes();
            Snapshot s = cache;
            if (attrs == null) return cache = Snapshot.EMPTY;
            if (s != null && s.same(attrs)) return s;
            byte[] bytes = bytes();
            if (bytes == null) return cache = Snapshot.EMPTY;
            // a rename between the two calls only makes the next read look again
            Data data = s != null && Arrays.equals(s.bytes, bytes) ? s.data : YamlText.parse(file, bytes);
            return cache = new Snapshot(attrs, bytes, data, null);
        }

        // -- changes --

        /** Applies the change to the view now and schedules the merge into the file. */
        synchronized Object defer(Change change, long delayNanos) {
            if (failure != null) {
                CmsException f = failure;
                failure = null;
                throw f;
            }
            Data v = view();
            if (v == cache.data) { // nothing pending yet: the view must be a copy before it changes
                view = v = cache.data.copy();
                viewOf = cache;
            }
            Object result = change.apply(v);
            pending.add(change);
            this.delayNanos = delayNanos;
            if (!scheduled) {
                scheduled = true;
                Flusher.schedule(this, delayNanos);
            }
            return result;
        }

        /**
         * Lock, re-read, replay the pending changes and this one (if any), write a temp file, rename, unlock.
         * @return what the change returned, evaluated on the file's current content plus the pending changes
         */
        Object commit(Change change) {
            List<Change> replay;
            synchronized (this) {
                if (change == null && pending.isEmpty()) return null;
            }
            lock();
            try {
                synchronized (this) {
                    replay = new ArrayList<>(pending);
                }
                if (change == null && replay.isEmpty()) return null;
                Snapshot before = readLocked();
                Data data = before.data.copy();
                for (Change c : replay) c.apply(data);
                Object result = change == null ? null : change.apply(data);
                if (!data.equals(before.data)) write(data);
                synchronized (this) {
                    pending.subList(0, replay.size()).clear();
                    viewOf = null;
                    view = null;
                }
                return result;
            } finally {
                unlock();
            }
        }

        /** Called by the flusher thread. */
        void flushLater() {
            CmsException error = null;
            try {
                commit(null);
            } catch (CmsException e) {
                error = e;
            }
            synchronized (this) {
                failure = error; // reported by the next change, which then tries again
                scheduled = error == null && !pending.isEmpty(); // changes that came during the write
                if (scheduled) Flusher.schedule(this, delayNanos);
            }
        }

        /**
         * Under the lock: the file as it is now. When the lock file holds the token of our snapshot and the
         * file's attributes are unchanged, nobody wrote since and the file need not be read. Otherwise it is
         * read, and parsed only when its bytes differ from the snapshot's.
         */
        private Snapshot readLocked() {
            String token = token();
            BasicFileAttributes attrs = attributes();
            Snapshot s;
            synchronized (this) {
                s = cache;
            }
            Snapshot now;
            if (attrs == null) {
                now = Snapshot.EMPTY;
            } else if (s != null && token != null && token.equals(s.token) && s.same(attrs)) {
                return s;
            } else {
                byte[] bytes = bytes();
                if (bytes == null) {
                    now = Snapshot.EMPTY;
                } else {
                    Data data = s != null && Arrays.equals(s.bytes, bytes) ? s.data : YamlText.parse(file, bytes);
                    now = new Snapshot(attrs, bytes, data, token);
                }
            }
            synchronized (this) {
                cache = now;
            }
            return now;
        }

        /** Under the lock: temp file, rename, new token. */
        private void write(Data data) {
            byte[] bytes = YamlText.format(HEADER, data.variables, data.defaults).getBytes(StandardCharsets.UTF_8);
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + PID + "." + COUNTER.incrementAndGet()
                    + ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, CREATE_NEW, ownerOnly(tmp, false))) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) ch.write(buffer);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    Files.deleteIfExists(tmp);
                    throw e;
                }
                String token = newToken();
                Snapshot s = new Snapshot(Files.readAttributes(file, BasicFileAttributes.class), bytes, data, token);
                synchronized (this) {
                    cache = s;
                }
            } catch (IOException e) {
                throw ioError("write", e);
            }
        }

        private BasicFileAttributes attributes() {
            try {
                return Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw ioError("read", e);
            }
        }

        private byte[] bytes() {
            try {
                return Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw ioError("read", e);
            }
        }

        private CmsException ioError(String verb, IOException e) {
            return new CmsException("cannot " + verb + " " + file + ": " + reason(e)
                    + " (check that " + file.getParent() + " is a directory writable by you)", e);
        }

        // -- the lock --

        private void lock() {
            jvm.lock();
            try {
                if (channel == null || !channel.isOpen()) {
                    Path dir = lockFile.getParent();
                    if (!Files.isDirectory(dir)) Files.createDirectories(dir, ownerOnly(dir, true));
                    channel = FileChannel.open(lockFile, LOCK_OPEN, ownerOnly(lockFile, false));
                }
                lock = channel.lock();
            } catch (IOException e) {
                closeChannel();
                jvm.unlock();
                throw new CmsException("cannot lock " + lockFile + " to change " + file.getFileName() + ": "
                        + reason(e) + " (check that " + lockFile.getParent() + " is a directory writable by you)", e);
            } catch (RuntimeException | Error e) {
                closeChannel();
                jvm.unlock();
                throw e;
            }
        }

        private void unlock() {
            try {
                lock.release();
            } catch (IOException e) {
                closeChannel(); // closing the channel drops the lock for sure
            } finally {
                lock = null;
                jvm.unlock();
            }
        }

        /** Under the lock: the token of the last write, or null when there is none or it cannot be read. */
        private String token() {
            try {
                ByteBuffer b = ByteBuffer.allocate(TOKEN_LENGTH);
                while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
                    // read on
                }
                return b.position() == TOKEN_LENGTH ? new String(b.array(), StandardCharsets.US_ASCII) : null;
            } catch (IOException e) {
                return null;
            }
        }

        /** Under the lock, after a write: a new token; a failure only costs the next writer a re-read. */
        private String newToken() {
            String id = PID + "-" + Long.toHexString(System.nanoTime()) + "-" + COUNTER.incrementAndGet();
            StringBuilder t = new StringBuilder(TOKEN_LENGTH).append(id, 0, Math.min(id.length(), TOKEN_LENGTH - 1));
            while (t.length() < TOKEN_LENGTH - 1) t.append(' ');
            String token = t.append('\n').toString();
            try {
                ByteBuffer b = ByteBuffer.wrap(token.getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) channel.write(b, b.position());
                return token;
            } catch (IOException e) {
                return null;
            }
        }

        private void closeChannel() {
            if (channel == null) return;
            try {
                channel.close();
            } catch (IOException e) {
                // the lock goes with the channel either way
            }
            channel = null;
        }
    }

    /** One daemon thread for the delayed merges of all files, and one exit hook that writes what is left. */
    private static final class Flusher {
        private static ScheduledExecutorService executor;

        static synchronized void schedule(Shared shared, long delayNanos) {
            if (executor == null) {
                ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "cms-variables-writer");
                    t.setDaemon(true);
                    return t;
                });
                e.setRemoveOnCancelPolicy(true);
                executor = e;
                Runtime.getRuntime().addShutdownHook(new Thread(Flusher::flushAll, "cms-variables-exit"));
            }
            executor.schedule(shared::flushLater, delayNanos, TimeUnit.NANOSECONDS);
        }

        private static void flushAll() {
            for (Shared s : SHARED.values()) {
                try {
                    s.commit(null);
                } catch (CmsException e) {
                    System.err.println("ERROR: variables not saved: " + e.getMessage());
                }
            }
        }
    }

    // ---- data ---------------------------------------------------------------------------------------------

    /** The file's content as maps; changed only on private copies. */
    static final class Data {
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

    /** What was read or written, with the file attributes and the lock token of that moment. */
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
            this.fileKey = attrs == null ? null : attrs.fileKey();
            this.modified = attrs == null ? null : attrs.lastModifiedTime();
            this.size = attrs == null ? -1 : attrs.size();
            this.bytes = bytes;
            this.data = data;
            this.token = token;
        }

        boolean same(BasicFileAttributes a) {
            return modified != null && size == a.size() && modified.equals(a.lastModifiedTime())
                    && Objects.equals(fileKey, a.fileKey());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static FileAttribute<?>[] ownerOnly(Path path, boolean directory) {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) return new FileAttribute<?>[0];
        return new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))
        };
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "a file is in the way";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return String.valueOf(e.getMessage());
    }
}
