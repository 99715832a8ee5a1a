package org.cloudmesh.cms.app.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.cloudmesh.cms.api.CmsException;

/**
 * Encrypts the secrets the server must be able to read back (API secrets, TOTP secrets) with AES-256-GCM under a
 * key kept in its own file ({@code server.key}, 0600) beside the database: a copy of the database alone reveals
 * no secret. Format: base64(12-byte IV || ciphertext and tag).
 */
public final class SecretBox {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    private SecretBox(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** Opens the key file, creating it (32 random bytes, base64, mode 0600) on first use. */
    public static SecretBox open(Path keyFile) {
        try {
            if (!Files.exists(keyFile)) {
                byte[] k = new byte[32];
                RANDOM.nextBytes(k);
                Path tmp = Files.createTempFile(keyFile.getParent(), ".server.key", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, Base64.getEncoder().encodeToString(k) + "\n");
                try {
                    // a link, not a move: if another process made the key first, keep theirs
                    Files.createLink(keyFile, tmp);
                } catch (FileAlreadyExistsException e) {
                    // theirs wins
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
            if (k.length != 32) throw new CmsException(keyFile + " is not a cms server key (32 bytes, base64)");
            return new SecretBox(k);
        } catch (IOException | IllegalArgumentException e) {
            throw new CmsException("cannot read or create the server key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    public String seal(String plain) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] all = Arrays.copyOf(iv, iv.length + ct.length);
            System.arraycopy(ct, 0, all, iv.length, ct.length);
            return Base64.getEncoder().encodeToString(all);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    public String open(String sealed) {
        try {
            byte[] all = Base64.getDecoder().decode(sealed);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, 12));
            return new String(c.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CmsException("a stored secret cannot be decrypted: server.key does not belong to this database", e);
        }
    }
}
