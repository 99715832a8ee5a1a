package org.cloudmesh.cms.app.admin;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes: PBKDF2-HMAC-SHA256 from the JDK, 16-byte random salt, 210,000 iterations (OWASP's figure for
 * PBKDF2-SHA256), stored as {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (base64), so the count can grow later.
 */
public final class Passwords {
    public static final int ITERATIONS = 210_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when the user does not exist, so that a wrong name costs as long as a wrong password. */
    private static final String DUMMY = hash("not a password".toCharArray());

    private Passwords() {}

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return PREFIX + "$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(pbkdf2(password, salt, ITERATIONS));
    }

    /** Whether {@code password} matches {@code stored}; a null {@code stored} costs the same and answers false. */
    public static boolean verify(char[] password, String stored) {
        boolean known = stored != null;
        String[] p = (known ? stored : DUMMY).split("\\$");
        if (p.length != 4 || !p[0].equals(PREFIX)) return false;
        int iterations = Integer.parseInt(p[1]);
        byte[] salt = Base64.getDecoder().decode(p[2]);
        byte[] expected = Base64.getDecoder().decode(p[3]);
        boolean same = MessageDigest.isEqual(expected, pbkdf2(password, salt, iterations));
        return known && same;
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }
}
