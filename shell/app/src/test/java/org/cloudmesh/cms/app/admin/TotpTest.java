package org.cloudmesh.cms.app.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TotpTest {
    /** RFC 6238 appendix B, SHA-1 rows: the key is the ASCII string "12345678901234567890". */
    @Test
    void rfc6238TestVectors() {
        byte[] key = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        long[][] rows = {{59, 94287082}, {1111111109, 7081804}, {1111111111, 14050471}, {1234567890, 89005924},
                {2000000000, 69279037}, {20000000000L, 65353130}};
        for (long[] row : rows) {
            String eight = String.format("%08d", row[1]);
            assertEquals(eight, Totp.code(key, Totp.step(row[0]), 8), "T=" + row[0]);
            String secret = Totp.base32(key);
            assertEquals(eight.substring(2), Totp.codeAt(secret, row[0]), "6 digits at T=" + row[0]);
        }
    }

    @Test
    void oneStepOfDriftEitherWayIsAccepted() {
        String secret = Totp.newSecret();
        long t = 1_767_225_600L;
        assertEquals(Totp.step(t), Totp.match(secret, Totp.codeAt(secret, t), t));
        assertEquals(Totp.step(t) - 1, Totp.match(secret, Totp.codeAt(secret, t - 30), t));
        assertEquals(Totp.step(t) + 1, Totp.match(secret, Totp.codeAt(secret, t + 30), t));
        assertEquals(-1, Totp.match(secret, Totp.codeAt(secret, t - 60), t));
        assertEquals(-1, Totp.match(secret, "12345", t));
        assertEquals(-1, Totp.match(secret, "abcdef", t));
        assertEquals(-1, Totp.match(secret, null, t));
    }

    @Test
    void base32IsRfc4648() {
        assertEquals("MZXW6YTBOI", Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals("foobar".getBytes(StandardCharsets.US_ASCII), Totp.fromBase32("mzxw 6ytb oi======"));
        assertEquals(32, Totp.newSecret().length());
    }

    @Test
    void enrolmentUriIsTheKeyUriFormat() {
        String uri = Totp.uri("alice", "JBSWY3DPEHPK3PXP");
        assertEquals("otpauth://totp/cms:alice?secret=JBSWY3DPEHPK3PXP&issuer=cms", uri);
    }

    @Test
    void passwordsHashSlowlyWithSaltAndVerify() {
        String h = Passwords.hash("correct horse".toCharArray());
        assertTrue(h.startsWith("pbkdf2-sha256$210000$"), h);
        assertFalse(h.equals(Passwords.hash("correct horse".toCharArray())), "salted");
        assertTrue(Passwords.verify("correct horse".toCharArray(), h));
        assertFalse(Passwords.verify("correct horsf".toCharArray(), h));
        assertFalse(Passwords.verify("correct horse".toCharArray(), null));
    }
}
