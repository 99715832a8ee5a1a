package org.cloudmesh.cms.app.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.app.admin.Accounts;

/**
 * Checks signed requests ({@link RequestSigner} describes the headers): key, timestamp within ±300 s, body digest,
 * HMAC-SHA256 signature, then the nonce against replay. Each failure is a 401 that says which check failed.
 * Keys are read from the accounts at most once a second each, so disabling a user takes effect within a second.
 */
final class Authenticator {
    /** What a good signature proved. */
    record Signed(String keyId, Accounts.User user, Principal principal, String digest) {}

    private record Cached(Accounts.ApiKey key, long loadedNanos) {}

    private static final long KEY_TTL_NANOS = 1_000_000_000L;
    private final Accounts accounts;
    private final NonceCache nonces;
    private final LongSupplier clock;
    private final long keyLifetime;
    private final ConcurrentHashMap<String, Cached> keys = new ConcurrentHashMap<>();
    /** Password checks are slow on purpose: at most two at a time, so a flood of logins cannot take every core. */
    private final Semaphore logins = new Semaphore(2, true);
    private final LoginThrottle throttle = new LoginThrottle();

    Authenticator(Accounts accounts, long maxNonces, long keyLifetimeSeconds, LongSupplier clock) {
        this.accounts = accounts;
        this.keyLifetime = keyLifetimeSeconds;
        this.nonces = new NonceCache(RequestSigner.WINDOW_SECONDS, maxNonces);
        this.clock = clock;
    }

    long now() {
        return clock.getAsLong();
    }

    /**
     * Checks the headers of a signed request: key, timestamp, nonce, signature over the Digest header as sent, the
     * user, then records the nonce. The body is not read yet: {@link #checkDigest} compares it afterwards, so that
     * nobody without a key can make the server wait for a body. @param header a request header by name
     * (case-insensitive), or null @return what the signature proved, and the Digest the body must match
     */
    Signed verify(String method, String target, Function<String, String> header) {
        String authorization = header.apply(RequestSigner.AUTHORIZATION);
        String apiKey = header.apply(RequestSigner.API_KEY);
        if (authorization == null || authorization.isBlank()) {
            throw RestException.unauthorized(apiKey == null
                    ? "no credentials: sign the request with an API key and secret from GET /getkey"
                    : "the request is not signed: an Authorization: Signature header is missing");
        }
        Map<String, String> sig = RequestSigner.parseAuthorization(authorization);
        if (sig == null) {
            throw RestException.unauthorized(authorization.regionMatches(true, 0, "Basic ", 0, 6)
                    ? "this route needs a signed request: user and password are only for GET /getkey"
                    : "the Authorization header is not a readable Signature header");
        }
        String algorithm = sig.getOrDefault("algorithm", RequestSigner.ALGORITHM);
        if (!algorithm.equalsIgnoreCase(RequestSigner.ALGORITHM)) {
            throw RestException.unauthorized("unsupported signature algorithm '" + algorithm + "': use hmac-sha256");
        }
        if (!RequestSigner.SIGNED_HEADERS.equals(sig.get("headers"))) {
            throw RestException.unauthorized("the signature must cover the headers \"" + RequestSigner.SIGNED_HEADERS
                    + "\" in that order (it covers \"" + sig.get("headers") + "\")");
        }
        String keyId = sig.get("keyId");
        if (keyId == null || keyId.isEmpty()) keyId = apiKey;
        else if (apiKey != null && !apiKey.equals(keyId)) throw RestException.unauthorized("keyId and X-Api-Key name different keys");
        if (keyId == null || keyId.isEmpty()) throw RestException.unauthorized("no API key: send the X-Api-Key header");

        String ts = header.apply(RequestSigner.TIMESTAMP);
        long timestamp;
        try {
            timestamp = Long.parseLong(ts == null ? "" : ts.strip());
        } catch (NumberFormatException e) {
            throw RestException.unauthorized("missing or malformed timestamp header (unix seconds)");
        }
        long now = now();
        if (!withinWindow(timestamp, now)) {
            throw RestException.unauthorized("stale timestamp: " + timestamp + " is not within ±" + RequestSigner.WINDOW_SECONDS
                    + " s of the server's clock (" + now + ")");
        }
        String nonce = header.apply(RequestSigner.NONCE);
        if (!RequestSigner.validNonce(nonce)) {
            throw RestException.unauthorized("missing or malformed nonce header (10 to 64 characters A-Z, a-z, 0-9)");
        }
        String digest = header.apply(RequestSigner.DIGEST);
        if (digest == null) throw RestException.unauthorized("no Digest header (SHA-256 of the body)");
        if (!digest.startsWith("SHA-256=") || digest.length() != 52) {
            throw RestException.unauthorized("the Digest header is not SHA-256=BASE64 of the body's SHA-256");
        }

        Accounts.ApiKey key = key(keyId).orElseThrow(() -> RestException.unauthorized("unknown API key: get one with GET /getkey"));
        String expected = RequestSigner.signature(key.secret(), RequestSigner.signingString(method, target, nonce, ts.strip(), digest));
        byte[] given;
        try {
            given = Base64.getDecoder().decode(sig.getOrDefault("signature", ""));
        } catch (IllegalArgumentException e) {
            throw RestException.unauthorized("bad signature: not base64");
        }
        if (!MessageDigest.isEqual(Base64.getDecoder().decode(expected), given)) {
            throw RestException.unauthorized("bad signature: it does not match the request (method, path, nonce, timestamp, body) and the key's secret");
        }
        // only after the signature is good: nobody can fill the cache with made-up nonces
        if (key.user().disabled()) throw RestException.unauthorized("user " + key.user().name() + " is disabled");
        if (now >= expires(key)) {
            throw RestException.unauthorized("the API key expired at " + java.time.Instant.ofEpochSecond(expires(key)) + ": get a new one with GET /getkey");
        }
        switch (nonces.add(keyId, nonce, timestamp, now)) {
            case REPLAYED -> throw RestException.unauthorized("replayed nonce: this nonce was already used with this key");
            case FULL -> throw new RestException(503, "too many requests within the replay window: try again shortly", null);
            default -> { }
        }
        Accounts.User u = key.user();
        return new Signed(keyId, u, new Principal(u.name(), u.projects(), u.admin()), digest);
    }

    /** When a key stops working (unix seconds): its creation plus the server's key lifetime. */
    long expires(Accounts.ApiKey key) {
        return key.created() + keyLifetime;
    }

    /** Whether {@code timestamp} is within the replay window of {@code now}, without overflow for any long. */
    static boolean withinWindow(long timestamp, long now) {
        return timestamp >= now - RequestSigner.WINDOW_SECONDS && timestamp <= now + RequestSigner.WINDOW_SECONDS;
    }

    /** The body read matches the signed Digest header. @param sha256 the SHA-256 of the body as read */
    static void checkDigest(Signed signed, byte[] sha256) {
        byte[] claimed;
        try {
            claimed = Base64.getDecoder().decode(signed.digest().substring("SHA-256=".length()));
        } catch (IllegalArgumentException e) {
            claimed = new byte[0];
        }
        if (!MessageDigest.isEqual(claimed, sha256)) throw RestException.unauthorized("the Digest header does not match the body");
    }

    private Optional<Accounts.ApiKey> key(String keyId) {
        long t = System.nanoTime();
        Cached c = keys.get(keyId);
        if (c != null && t - c.loadedNanos < KEY_TTL_NANOS) return Optional.of(c.key);
        Optional<Accounts.ApiKey> k = accounts.key(keyId);
        if (k.isEmpty()) {
            keys.remove(keyId);
            return k;
        }
        if (keys.size() > 10_000) keys.clear();
        keys.put(keyId, new Cached(k.get(), t));
        return k;
    }

    /**
     * A refused {@code GET /getkey}: the client is told {@link Accounts#LOGIN_FAILED} (or that it must wait), the
     * audit trail the real reason; {@code verifiedUser} is the user when the password was right, else null.
     */
    static final class LoginRefused extends RestException {
        final String reason;
        final String verifiedUser;
        final long retryAfter;

        LoginRefused(int status, String answer, String reason, String verifiedUser, long retryAfter) {
            super(status, answer, null);
            this.reason = reason;
            this.verifiedUser = verifiedUser;
            this.retryAfter = retryAfter;
        }
    }

    /**
     * {@code GET /getkey}: HTTP Basic user and password, the one-time code in X-OTP or appended to the password.
     * Failed attempts are throttled per user and per address ({@link LoginThrottle}). @throws LoginRefused
     */
    Accounts.ApiKey getKey(String authorization, String otp, String address) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw RestException.unauthorized("no credentials: send user and password with HTTP Basic and the one-time code in the X-OTP header");
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw RestException.unauthorized("the Basic credentials are not base64");
        }
        int colon = pair.indexOf(':');
        if (colon <= 0) throw RestException.unauthorized("the Basic credentials are not user:password");
        String user = pair.substring(0, colon);
        String password = pair.substring(colon + 1);
        String code = otp == null ? null : otp.strip();
        if (code == null && password.length() > 6 && password.substring(password.length() - 6).chars().allMatch(Character::isDigit)) {
            // Nucleus style: the one-time code typed after the password
            code = password.substring(password.length() - 6);
            password = password.substring(0, password.length() - 6);
        }
        if (code == null || code.isEmpty()) throw RestException.unauthorized("no one-time code: send it in the X-OTP header");
        long wait = throttle.wait(user, address, now());
        if (wait > 0) {
            throw new LoginRefused(429, "too many failed logins for this user or from this address: try again in " + wait + " s",
                    "throttled for " + wait + " s", null, wait);
        }
        try {
            if (!logins.tryAcquire(10, TimeUnit.SECONDS)) throw new RestException(503, "too many logins at once: try again shortly", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RestException(503, "the server is stopping", null);
        }
        try {
            Accounts.ApiKey key = accounts.login(user, password.toCharArray(), code, now());
            throttle.succeeded(user, address);
            return key;
        } catch (Accounts.LoginException e) {
            throttle.failed(user, address, now());
            boolean passwordRight = e.failure != Accounts.LoginFailure.BAD_PASSWORD;
            throw new LoginRefused(401, e.answer(), e.getMessage(), passwordRight ? user : null, 0);
        } finally {
            logins.release();
        }
    }

    /** A fresh second factor on this very request: the X-OTP header with a code not used before. */
    void requireCode(String user, String otp) {
        if (otp == null || otp.isBlank()) throw RestException.unauthorized("this needs a fresh one-time code: send it in the X-OTP header");
        String wrong = accounts.checkCode(user, otp.strip(), now());
        if (wrong != null) throw RestException.unauthorized(wrong);
    }
}
