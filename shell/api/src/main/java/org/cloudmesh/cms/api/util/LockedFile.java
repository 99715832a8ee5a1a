package org.cloudmesh.cms.api.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A read-modify-write of a small state file shared by cms processes: under an exclusive lock on a sibling lock file
 * (and a JVM-wide lock first, because a FileLock belongs to the whole JVM), the new content goes to a temporary file
 * that is renamed over the old one. No writer loses another's change; a reader, which takes no lock, sees the old
 * or the new file, never half of one.
 */
public final class LockedFile {
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    /** The new content, computed from the file as it is once the lock is held. */
    public interface Rewrite {
        byte[] content() throws IOException;
    }

    private LockedFile() {
    }

    /**
     * The JVM-wide monitor of a lock file: hold it around every {@code FileChannel.lock()} of that file, since two
     * threads that lock one file through two channels get an OverlappingFileLockException.
     */
    public static Object jvmLock(Path lock) {
        return JVM_LOCKS.computeIfAbsent(lock.toAbsolutePath().normalize(), k -> new Object());
    }

    public static void rewrite(Path file, Path lock, Rewrite rewrite) throws IOException {
        synchronized (jvmLock(lock)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                byte[] content = rewrite.content();
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, content);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
