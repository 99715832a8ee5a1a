package org.cloudmesh.cms.app;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.cloudmesh.cms.api.CmsException;

/** Owner-only state on disk: directories made 0700, and files (0600) that are either wholly written or untouched. */
public final class PrivateFiles {
    private PrivateFiles() {}

    /** Creates the directory (and parents) with mode 0700 when missing; fails clearly when that is impossible. */
    public static void createDirectory(Path dir) {
        if (Files.isDirectory(dir)) {
            if (!Files.isWritable(dir)) throw new CmsException(dir + " is not writable: fix its permissions or choose another with --home or CLOUDMESH_HOME");
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw new CmsException(dir + " exists but is not a directory: move it away or choose another with --home", e);
        } catch (IOException e) {
            throw new CmsException("cannot create " + dir + " (" + reason(e) + "): choose a writable place with --home or CLOUDMESH_HOME", e);
        }
    }

    /** Writes text to a temp file (0600) beside the target, then renames it over the target. */
    public static void writeAtomically(Path file, String text) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, text);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CmsException("cannot write " + file + " (" + reason(e) + "); nothing was changed", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temp file was already renamed or cannot be removed: nothing useful to do
                }
            }
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
