package org.cloudmesh.cms.app.server;

import java.nio.file.Path;

/**
 * How a server listens: address, port (0 = any free port), an optional TLS keystore (PKCS12 or JKS; its password
 * from {@code CMS_TLS_PASSWORD}), the body limits (every body / a JSON body), the worker threads, and how many
 * nonces the replay cache may hold.
 */
public record ServerOptions(String bind, int port, Path tlsKeystore, String tlsPassword, long maxBody, long maxJson,
        int threads, long maxNonces) {
    public static final int DEFAULT_PORT = 8080;
    public static final long MAX_BODY = 64L << 20;
    public static final long MAX_JSON = 1L << 20;

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, null, null, MAX_BODY, MAX_JSON, 32, 4_000_000);
    }

    public ServerOptions withTls(Path keystore, String password) {
        return new ServerOptions(bind, port, keystore, password, maxBody, maxJson, threads, maxNonces);
    }

    public ServerOptions withBind(String address) {
        return new ServerOptions(address, port, tlsKeystore, tlsPassword, maxBody, maxJson, threads, maxNonces);
    }

    public ServerOptions withLimits(long body, long json) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, body, json, threads, maxNonces);
    }

    public ServerOptions withThreads(int n) {
        return new ServerOptions(bind, port, tlsKeystore, tlsPassword, maxBody, maxJson, n, maxNonces);
    }
}
