package org.cloudmesh.cms.app.server;

import java.nio.file.Path;

/**
 * How a server listens: address, port (0 = any free port), an optional TLS keystore (PKCS12 or JKS; its password
 * from {@code CMS_TLS_PASSWORD}), the body limits (every body / a JSON body), the worker threads, how many nonces
 * the replay cache may hold, how long an API key works after {@code GET /getkey} made it, and how many bytes of
 * request bodies may be held in memory at once (0: half the heap).
 */
public record ServerOptions(String bind, int port, Path tlsKeystore, String tlsPassword, long maxBody, long maxJson,
        int threads, long maxNonces, long keyLifetimeSeconds, long bodyMemory) {
    public static final int DEFAULT_PORT = 8080;
    public static final long MAX_BODY = 64L << 20;
    public static final long MAX_JSON = 1L << 20;
    /** An API key works three days, then the user logs in again (password and one-time code). */
    public static final long KEY_LIFETIME_SECONDS = 3 * 24 * 3600;
    /** The longest key lifetime an administrator may set: one year. */
    public static final long MAX_KEY_LIFETIME_SECONDS = 366 * 24 * 3600;

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, null, null, MAX_BODY, MAX_JSON, 32, 4_000_000, KEY_LIFETIME_SECONDS, 0);
    }

    public ServerOptions withTls(Path keystore, String password) {
        return new ServerOptions(bind, port, keystore, password, maxBody, maxJson, threads, maxNonces, keyLifetimeSeconds, bodyMemory);
    }

    public ServerOptions withBind(String address) {
        return new ServerOptions(address, port, tlsKeystore, tlsPassword, maxBody, maxJson, threads, maxNonces, keyLifetimeSeconds, bodyMemory);
    }

    public ServerOptions withLimits(long body, long json) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, body, json, threads, maxNonces, keyLifetimeSeconds, bodyMemory);
    }

    public ServerOptions withThreads(int n) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, maxBody, maxJson, n, maxNonces, keyLifetimeSeconds, bodyMemory);
    }

    public ServerOptions withBodyMemory(long bytes) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, maxBody, maxJson, threads, maxNonces, keyLifetimeSeconds, bytes);
    }

    public ServerOptions withKeyLifetime(long seconds) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, maxBody, maxJson, threads, maxNonces, seconds, bodyMemory);
    }
}
