package org.cloudmesh.cms.api.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Properties;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.rest.ServerPid;

/**
 * The one-time web console links of a home, as files in {@code $CLOUDMESH_HOME/console-links} (0700): a command on
 * the management node and the server of that home share them. A file is named by the SHA-256 of its token (a
 * listing shows no usable link); opening a link renames it to {@code .used} atomically, so of two openings exactly
 * one wins, and a second use is told apart from a forged token until the used file is cleaned up an hour later.
 */
public final class ConsoleLinks {
    /** How long a link works. */
    public static final Duration TTL = Duration.ofSeconds(60);
    /** How long a used or expired link is remembered (to say "used" or "expired" rather than "unknown"). */
    static final Duration KEPT = Duration.ofHours(1);
    static final String DIR = "console-links";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ConsoleLinks() {
    }

    /** What opening a link found: the link, or why there is none ({@code link} null). */
    public record Opening(ConsoleLink link, String refusal) {
    }

    /** Stores a link and returns its token (48 hex digits, the only copy of it). */
    public static String issue(Path home, ConsoleLink link) {
        byte[] t = new byte[24];
        RANDOM.nextBytes(t);
        String token = HexFormat.of().formatHex(t);
        Path dir = dir(home);
        clean(dir);
        Properties p = new Properties();
        p.setProperty("kind", link.kind());
        p.setProperty("scope", link.scope());
        if (link.name() != null) p.setProperty("name", link.name());
        if (link.project() != null) p.setProperty("project", link.project());
        p.setProperty("user", link.user());
        p.setProperty("expires", link.expires().toString());
        try {
            Path tmp = Files.createTempFile(dir, ".new", "");
            try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, null);
            }
            Files.move(tmp, dir.resolve(hash(token)), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CmsException("cannot store a console link in " + dir + ": " + e.getMessage(), e);
        }
        return token;
    }

    /**
     * A link served by the {@code cms server} of this home (on the management node, where the command runs): its
     * address. @throws CmsException when no server of this home runs
     */
    public static String local(Path home, ConsoleLink link) {
        ServerPid server = ServerPid.read(home).filter(ServerPid::alive).orElseThrow(() -> new CmsException(
                "the web console is served by 'cms server': start it on this machine ('cms server start'), then ask again"));
        return server.url() + "/console/" + issue(home, link);
    }

    /** How a link made on the management node names its user (who is no server account). */
    public static final String LOCAL = "local:";

    /** The user of this machine, as a link made here names them. */
    public static String localUser() {
        return LOCAL + System.getProperty("user.name");
    }

    /** Opens a link once: later openings (and expired, unknown or malformed tokens) get a refusal. */
    public static Opening open(Path home, String token, Instant now) {
        if (token == null || !token.matches("[0-9a-f]{48}")) return new Opening(null, "this console link is not valid");
        Path dir = dir(home);
        Path file = dir.resolve(hash(token));
        Path used = dir.resolve(hash(token) + ".used");
        try {
            Files.move(file, used, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return new Opening(null, Files.exists(used) ? "this console link was used already: a link opens once;"
                    + " ask for a new one" : "this console link is not valid (unknown, or forgotten since)");
        } catch (AtomicMoveNotSupportedException e) {
            throw new CmsException("console links need a file system with atomic renames: " + dir, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConsoleLink link = read(used);
        if (link.expires().isBefore(now)) {
            return new Opening(null, "this console link expired at " + link.expires() + " (a link works for "
                    + TTL.toSeconds() + " s): ask for a new one");
        }
        return new Opening(link, null);
    }

    private static ConsoleLink read(Path f) {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ConsoleLink(p.getProperty("kind"), p.getProperty("scope"), p.getProperty("name"), p.getProperty("project"),
                p.getProperty("user"), Instant.parse(p.getProperty("expires")));
    }

    private static Path dir(Path home) {
        Path dir = home.resolve(DIR);
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new CmsException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Forgets links (used or not) older than {@link #KEPT}. */
    private static void clean(Path dir) {
        Instant old = Instant.now().minus(KEPT);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(old)) Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // cleaned next time
        }
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
