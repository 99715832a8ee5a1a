package org.cloudmesh.cms.app.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * OATH TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 6 digits, 30-second steps, one step of clock drift either
 * way. Phone authenticator apps and YubiKeys (OATH applet) speak it; the secret travels as RFC 4648 base32.
 */
public final class Totp {
    public static final int DIGITS = 6;
    public static final long STEP_SECONDS = 30;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private Totp() {}

    /** A new 160-bit secret (the size RFC 4226 recommends), base32 without padding: 32 characters. */
    public static String newSecret() {
        byte[] key = new byte[20];
        RANDOM.nextBytes(key);
        return base32(key);
    }

    /** The time step that {@code unixSeconds} falls in. */
    public static long step(long unixSeconds) {
        return Math.floorDiv(unixSeconds, STEP_SECONDS);
    }

    /** The HOTP value for {@code counter}, {@code digits} long, zero-padded (RFC 4226 §5.3, SHA-1). */
    public static String code(byte[] key, long counter, int digits) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            byte[] h = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(counter).array());
            int offset = h[h.length - 1] & 0x0f;
            int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
                    | (h[offset + 3] & 0xff);
            int mod = 1;
            for (int i = 0; i < digits; i++) mod *= 10;
            String s = Integer.toString(binary % mod);
            return "0".repeat(digits - s.length()) + s;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA1", e);
        }
    }

    /** The 6-digit code at {@code unixSeconds}. */
    public static String codeAt(String base32Secret, long unixSeconds) {
        return code(fromBase32(base32Secret), step(unixSeconds), DIGITS);
    }

    /**
     * The step whose code {@code code} is (the current one, or one before or after), or -1 when it is none of them.
     * Compared in constant time.
     */
    public static long match(String base32Secret, String code, long unixSeconds) {
        if (code == null || code.length() != DIGITS || !code.chars().allMatch(Character::isDigit)) return -1;
        byte[] key = fromBase32(base32Secret);
        long now = step(unixSeconds);
        long found = -1;
        for (long s = now - 1; s <= now + 1; s++) {
            if (MessageDigest.isEqual(code(key, s, DIGITS).getBytes(StandardCharsets.US_ASCII),
                    code.getBytes(StandardCharsets.US_ASCII))) {
                found = s;
            }
        }
        return found;
    }

    /**
     * The enrolment URI authenticator apps read (the Google Authenticator key-URI format); SHA-1, 6 digits and 30 s
     * are that format's defaults, so the URI (and its QR code) stays short.
     */
    public static String uri(String user, String base32Secret) {
        return "otpauth://totp/cms:" + URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20")
                + "?secret=" + base32Secret + "&issuer=cms";
    }

    public static String base32(byte[] data) {
        StringBuilder b = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte d : data) {
            buffer = (buffer << 8) | (d & 0xff);
            bits += 8;
            while (bits >= 5) {
                b.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) b.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        return b.toString();
    }

    /** Decodes base32 (case, spaces and '=' padding ignored). */
    public static byte[] fromBase32(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : s.toCharArray()) {
            if (c == ' ' || c == '=' || c == '-') continue;
            int v = BASE32.indexOf(Character.toUpperCase(c));
            if (v < 0) throw new IllegalArgumentException("not base32: '" + c + "'");
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }
}
