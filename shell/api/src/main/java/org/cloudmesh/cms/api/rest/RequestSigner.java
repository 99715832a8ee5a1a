package org.cloudmesh.cms.api.rest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs requests to {@code cms server} with an API key and secret (from {@code GET /getkey}): the Nucleus APIKEY
 * scheme of {@code reference/vc-model.md} §2 (httpsig, HMAC-SHA256 over nonce and timestamp), made stricter: the
 * signature also covers the method, the path with its query, and a SHA-256 digest of the body, so a captured
 * signature cannot be moved to another request.
 *
 * <p>A signed request carries these headers (names are case-insensitive in HTTP):
 * <pre>
 * X-Api-Key:     KEY
 * timestamp:     unix seconds (the server accepts ±300 s of its own clock)
 * nonce:         10 to 64 characters [A-Za-z0-9], never reused with the same key (the server refuses a replay)
 * Digest:        SHA-256=BASE64(SHA-256(body))            (the body of a GET is empty)
 * Authorization: Signature keyId="KEY",algorithm="hmac-sha256",headers="(request-target) nonce timestamp digest",signature="BASE64"
 * </pre>
 * The signature is BASE64(HMAC-SHA256(secret as UTF-8, signing string)); the signing string is httpsig's
 * {@code "name: value"} lines joined by a single {@code \n}, no trailing line break:
 * <pre>
 * (request-target): get /virtualcluster/vc1?verbose=1
 * nonce: 4F7Q2K9ZQ1
 * timestamp: 1767225600
 * digest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
 * </pre>
 * where the request target is the lower-case method, a space, and the path and query exactly as they are sent on
 * the request line (percent-encoding included).
 *
 * <p>{@code GET /getkey} is not signed: it takes HTTP Basic (user, password) and the one-time code in the
 * {@value #OTP} header (or, as Nucleus did with a YubiKey, appended to the password). A route that needs a fresh
 * second factor (console links) wants the {@value #OTP} header on the signed request too.
 */
public final class RequestSigner {
    public static final String API_KEY = "X-Api-Key";
    public static final String TIMESTAMP = "timestamp";
    public static final String NONCE = "nonce";
    public static final String DIGEST = "Digest";
    public static final String AUTHORIZATION = "Authorization";
    /** The one-time code (TOTP, 6 digits) for {@code /getkey} and for routes that need a fresh second factor. */
    public static final String OTP = "X-OTP";
    /** The signed headers, in order, as named in the Authorization header. */
    public static final String SIGNED_HEADERS = "(request-target) nonce timestamp digest";
    public static final String ALGORITHM = "hmac-sha256";
    /** How far a request's timestamp may be from the server's clock, in seconds. */
    public static final long WINDOW_SECONDS = 300;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] NONCE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
    private static final String EMPTY_DIGEST = digest(new byte[0]);

    private final String apiKey;
    private final SecretKeySpec key;

    public RequestSigner(String apiKey, String secret) {
        if (apiKey == null || apiKey.isBlank()) throw new IllegalArgumentException("no API key");
        if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("no API secret");
        this.apiKey = apiKey;
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** The headers that sign this request now, with a fresh nonce. {@code body} may be null (no body). */
    public Map<String, String> sign(String method, String pathAndQuery, byte[] body) {
        return sign(method, pathAndQuery, body, Instant.now().getEpochSecond(), newNonce());
    }

    /** The headers that sign this request at {@code timestamp} with {@code nonce} (tests and replays). */
    public Map<String, String> sign(String method, String pathAndQuery, byte[] body, long timestamp, String nonce) {
        String digest = digest(body);
        String ts = Long.toString(timestamp);
        String signature = hmac(key, signingString(method, pathAndQuery, nonce, ts, digest));
        Map<String, String> h = new LinkedHashMap<>();
        h.put(API_KEY, apiKey);
        h.put(TIMESTAMP, ts);
        h.put(NONCE, nonce);
        h.put(DIGEST, digest);
        h.put(AUTHORIZATION, "Signature keyId=\"" + apiKey + "\",algorithm=\"" + ALGORITHM + "\",headers=\""
                + SIGNED_HEADERS + "\",signature=\"" + signature + "\"");
        return h;
    }

    /** The string that is signed (see the class comment). */
    public static String signingString(String method, String pathAndQuery, String nonce, String timestamp, String digest) {
        return "(request-target): " + method.toLowerCase(Locale.ROOT) + " " + pathAndQuery + "\n"
                + "nonce: " + nonce + "\n"
                + "timestamp: " + timestamp + "\n"
                + "digest: " + digest;
    }

    /** {@code SHA-256=BASE64(SHA-256(body))}; a null body is an empty one. */
    public static String digest(byte[] body) {
        if ((body == null || body.length == 0) && EMPTY_DIGEST != null) return EMPTY_DIGEST;
        if (body == null) body = new byte[0];
        try {
            return "SHA-256=" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** BASE64(HMAC-SHA256(secret, text)). */
    public static String signature(String secret, String text) {
        return hmac(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"), text);
    }

    private static String hmac(SecretKeySpec key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** A fresh nonce: 16 characters [A-Z0-9] from a SecureRandom. */
    public static String newNonce() {
        char[] c = new char[16];
        for (int i = 0; i < c.length; i++) c[i] = NONCE_CHARS[RANDOM.nextInt(NONCE_CHARS.length)];
        return new String(c);
    }

    /** Whether {@code nonce} has the accepted shape: 10 to 64 characters [A-Za-z0-9]. */
    public static boolean validNonce(String nonce) {
        if (nonce == null || nonce.length() < 10 || nonce.length() > 64) return false;
        for (int i = 0; i < nonce.length(); i++) {
            char ch = nonce.charAt(i);
            if (!(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9')) return false;
        }
        return true;
    }

    /**
     * The parameters of a {@code Signature} Authorization header ({@code keyId}, {@code algorithm}, {@code headers},
     * {@code signature}), or null when the header is not of that scheme or cannot be read.
     */
    public static Map<String, String> parseAuthorization(String header) {
        if (header == null) return null;
        String h = header.strip();
        if (!h.regionMatches(true, 0, "Signature ", 0, 10)) return null;
        Map<String, String> params = new LinkedHashMap<>();
        int i = 10;
        int n = h.length();
        while (i < n) {
            while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ',')) i++;
            if (i >= n) break;
            int eq = h.indexOf('=', i);
            if (eq < 0) return null;
            String name = h.substring(i, eq).strip();
            i = eq + 1;
            if (i >= n || h.charAt(i) != '"') return null;
            int end = h.indexOf('"', i + 1);
            if (end < 0) return null;
            params.put(name, h.substring(i + 1, end));
            i = end + 1;
        }
        return params;
    }
}
