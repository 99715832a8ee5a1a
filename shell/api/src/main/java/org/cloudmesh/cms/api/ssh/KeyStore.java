package org.cloudmesh.cms.api.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The public keys cms knows ({@code $CLOUDMESH_HOME/keys.yaml}: name → path and fingerprint). Only public keys are
 * recorded; the private key is the file beside the public one without {@code .pub}. Keys made by {@link #generate}
 * live in {@code $CLOUDMESH_HOME/keys/} (0700), the private key 0600.
 */
public final class KeyStore {
    public record Key(String name, Path path, String fingerprint) {
        public String text() {
            return KeyStore.read(path);
        }

        public Path privateKey() {
            String p = path.toString();
            return p.endsWith(".pub") ? Path.of(p.substring(0, p.length() - 4)) : path;
        }
    }

    private final Path file;

    public KeyStore(Path home) {
        this.file = home.resolve("keys.yaml");
    }

    /** The keys by name, in the order they were added. */
    public synchronized Map<String, Key> all() {
        Map<String, Key> keys = new LinkedHashMap<>();
        if (!Files.exists(file)) return keys;
        try {
            Object o = new Yaml().load(Files.readString(file));
            if (o instanceof Map<?, ?> m && m.get("keys") instanceof Map<?, ?> km) {
                km.forEach((k, v) -> {
                    if (v instanceof Map<?, ?> e && e.get("path") != null) {
                        keys.put(String.valueOf(k), new Key(String.valueOf(k), Path.of(String.valueOf(e.get("path"))),
                                String.valueOf(e.get("fingerprint"))));
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            throw new CmsException("cannot read " + file + ": " + e.getMessage() + " (fix or remove it)", e);
        }
        return keys;
    }

    /**
     * Makes a new ed25519 key pair {@code $CLOUDMESH_HOME/keys/NAME} (no passphrase: cms logs in unattended) with
     * OpenSSH's ssh-keygen and adds it. An existing file of that name is never overwritten.
     */
    public synchronized Key generate(String name) {
        org.cloudmesh.cms.api.util.Names.require("key", name);
        Path dir = file.resolveSibling("keys");
        Path key = dir.resolve(name);
        if (Files.exists(key) || Files.exists(Path.of(key + ".pub"))) {
            throw new CmsException("a key file " + key + " exists already: add it with 'key add --name " + name + " " + key
                    + ".pub', or choose another --name");
        }
        try {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cms-" + name, "-f", key.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) throw new CmsException("ssh-keygen could not make " + key + ": " + out);
        } catch (IOException e) {
            throw new CmsException("cannot make a key with ssh-keygen (install openssh-client): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted while making key " + name);
        }
        return add(name, Path.of(key + ".pub"));
    }

    /** Records the public key file {@code path} under {@code name} (replacing a key of that name). */
    public synchronized Key add(String name, Path path) {
        String text = read(path);
        Key key = new Key(name, path.toAbsolutePath().normalize(), fingerprint(text, path));
        Map<String, Key> keys = all();
        keys.put(name, key);
        Map<String, Object> entries = new LinkedHashMap<>();
        keys.forEach((n, k) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("path", k.path().toString());
            e.put("fingerprint", k.fingerprint());
            entries.put(n, e);
        });
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("keys.yaml.tmp");
            Files.writeString(tmp, new Yaml(o).dump(Map.of("keys", entries)));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CmsException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return key;
    }

    public static String read(Path path) {
        try {
            return Files.readString(path).strip();
        } catch (IOException e) {
            throw new CmsException("cannot read the public key " + path + ": " + e.getMessage()
                    + " (create one with ssh-keygen -t ed25519)");
        }
    }

    /** OpenSSH's SHA256 fingerprint of a public key line ("type base64 [comment]"). */
    static String fingerprint(String text, Path path) {
        String[] parts = text.split("\\s+");
        if (parts.length < 2 || !(parts[0].startsWith("ssh-") || parts[0].startsWith("ecdsa-") || parts[0].startsWith("sk-"))
                || text.contains("PRIVATE KEY")) {
            throw new CmsException(path + " is not an OpenSSH public key (expected a line such as "
                    + "'ssh-ed25519 AAAA... comment'; give the .pub file)");
        }
        try {
            byte[] blob = Base64.getDecoder().decode(parts[1]);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (IllegalArgumentException e) {
            throw new CmsException(path + " is not an OpenSSH public key: its key data is not base64");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
