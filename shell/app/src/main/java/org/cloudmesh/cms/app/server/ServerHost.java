package org.cloudmesh.cms.app.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.util.JavalinBindException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.api.audit.AuditTrail;
import org.cloudmesh.cms.api.console.ConsoleResolver;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestHandler;
import org.cloudmesh.cms.api.rest.RestReply;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.app.admin.Accounts;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP host of {@code cms server} (Javalin on Jetty): the routes of every plugin's {@link RestRoutes} behind one
 * authentication layer ({@link Authenticator}), plus its own {@code GET /getkey}, {@code GET /whoami} and the public
 * {@code GET /health}. Every error answer is {@code {"code", "message", "field"}} JSON, never a stack trace (those
 * go to the log); every authenticated request that is not a GET or HEAD, and every login with {@code /getkey}, is
 * written to the audit trail; unauthenticated refusals are counted into one row a minute at most.
 *
 * <p>Against hostile clients: a request is dispatched as soon as its head is complete and authenticated from the
 * head alone (the signature covers the Digest header); only then is its body read, in chunks through SHA-256,
 * within the size limit and the memory for bodies (half the heap; 503 past it, or on running out of memory). A
 * request head must arrive within {@value #HEAD_DEADLINE_MILLIS} ms and at most {@value #MAX_PENDING_CONNECTIONS}
 * connections may be sending one ({@link ConnectionGuard}); a body must arrive at {@value #MIN_BODY_RATE} bytes a
 * second after {@value #IO_TIMEOUT_MILLIS} ms. Every GET route also answers HEAD behind the same signature.
 *
 * <p>Tests start one in-process with {@link #start} on port 0 and their own routes.
 */
public final class ServerHost implements AutoCloseable {
    static final String HANDLED = "cms.handled";
    private static final byte[] EMPTY = new byte[0];
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /**
     * A body must arrive within {@link #IO_TIMEOUT_MILLIS} plus its size at this rate (bytes a second) from when the
     * server starts to read it, or the connection is closed: nobody holds a worker thread by dripping a body.
     */
    static final long MIN_BODY_RATE = 1024;
    /** How long a blocking read or write of a request may wait for the client. */
    static final long IO_TIMEOUT_MILLIS = 10_000;
    /** How long a connection may take to send a whole request head, and how many may be doing so at once. */
    static final long HEAD_DEADLINE_MILLIS = 15_000;
    static final int MAX_PENDING_CONNECTIONS = 256;
    /** Unauthenticated refusals are written to the audit trail as one row a minute at most, with this long a path. */
    static final long REFUSAL_ROW_NANOS = 60_000_000_000L;
    static final int AUDIT_PATH_CHARS = 120;

    private final ServerOptions options;
    private final Authenticator auth;
    private final AuditTrail audit;
    private final PrintWriter log;
    private final Javalin app;
    private final Map<String, String> routeOwners = new LinkedHashMap<>();
    private final ConnectionGuard guard = new ConnectionGuard(MAX_PENDING_CONNECTIONS, HEAD_DEADLINE_MILLIS);
    /** Bytes of request bodies held in memory now, and the most there may be (half the heap). */
    private final java.util.concurrent.atomic.AtomicLong bodyBytes = new java.util.concurrent.atomic.AtomicLong();
    private final long bodyBudget;
    private final Object refusalLock = new Object();
    private long refusals;
    private long lastRefusalRow = System.nanoTime() - REFUSAL_ROW_NANOS;
    private String url;
    private Path home;
    private WebConsole console;

    private ServerHost(ServerOptions options, Accounts accounts, AuditTrail audit, PrintWriter log, LongSupplier clock) {
        this.options = options;
        this.auth = new Authenticator(accounts, options.maxNonces(), options.keyLifetimeSeconds(), clock);
        this.bodyBudget = options.bodyMemory() > 0 ? options.bodyMemory() : Math.max(options.maxJson() * 4, Runtime.getRuntime().maxMemory() / 2);
        this.audit = audit;
        this.log = log;
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.maxRequestSize = options.maxBody();
            config.http.disableCompression();
            config.router.ignoreTrailingSlashes = true;
            QueuedThreadPool pool = new QueuedThreadPool(Math.max(options.threads(), 8), Math.min(8, options.threads()));
            pool.setName("cms-server");
            config.jetty.threadPool = pool;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.jetty.addConnector((server, http) -> {
                http.setSendServerVersion(false);
                http.setIdleTimeout(IO_TIMEOUT_MILLIS);
                // dispatch on the request head: a request is authenticated (or refused) before its body comes
                http.setDelayDispatchUntilContent(false);
                ServerConnector c;
                if (options.tlsKeystore() != null) {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStorePath(options.tlsKeystore().toString());
                    ssl.setKeyStorePassword(options.tlsPassword() == null ? "" : options.tlsPassword());
                    HttpConfiguration https = new HttpConfiguration(http);
                    SecureRequestCustomizer src = new SecureRequestCustomizer();
                    src.setSniHostCheck(false);
                    https.addCustomizer(src);
                    c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
                } else {
                    c = new ServerConnector(server, new HttpConnectionFactory(http));
                }
                c.setHost(options.bind());
                c.setPort(options.port());
                c.setIdleTimeout(30_000);
                c.addBean(guard);
                return c;
            });
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
        app.exception(Exception.class, (e, ctx) -> {
            log("ERROR " + ctx.method() + " " + ctx.path() + ": " + stackTrace(e));
            error(ctx, 500, "internal server error (the server's log has the details)", null);
        });
        app.error(404, ctx -> {
            if (ctx.attribute(HANDLED) == null) error(ctx, 404, "no route " + ctx.method() + " " + ctx.path(), null);
        });
    }

    /**
     * Starts a server: its own routes, then each {@link RestRoutes} extension's (a plugin whose routes fail to
     * register is logged and skipped). @throws CmsException when the address cannot be bound (port in use)
     */
    public static ServerHost start(ServerOptions options, Context ctx, List<RestRoutes> plugins, Accounts accounts,
            AuditTrail audit, PrintWriter log, LongSupplier clock) {
        ServerHost host = new ServerHost(options, accounts, audit, log, clock);
        host.home = ctx.home();
        host.removeSpilledParts();
        int expired = accounts.purgeKeys(clock.getAsLong() - options.keyLifetimeSeconds());
        if (expired > 0) host.log("removed " + expired + " expired API key(s)");
        host.builtins();
        host.console = new WebConsole(host, accounts, consoleIdle(ctx));
        host.console.routes(host.app);
        for (RestRoutes r : plugins) {
            Api api = host.new Api(r.getClass().getName());
            try {
                r.routes(api, ctx);
                api.commit();
            } catch (RuntimeException e) {
                host.log("ERROR routes of " + r.getClass().getName() + " not added: " + e + "\n" + stackTrace(e));
            }
        }
        if (options.tlsKeystore() != null && !Files.isReadable(options.tlsKeystore())) {
            throw new CmsException("TLS keystore " + options.tlsKeystore() + " cannot be read");
        }
        try {
            host.app.start();
        } catch (JavalinBindException e) {
            throw new CmsException("port " + options.port() + " on " + options.bind() + " is in use (or the address is not this machine's): choose another with --port", e);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            if (root instanceof java.net.BindException) {
                throw new CmsException("port " + options.port() + " on " + options.bind() + " is in use (or the address is not this machine's): choose another with --port", e);
            }
            throw new CmsException("the server did not start: " + root, e);
        }
        ServerConnector c = (ServerConnector) host.app.jettyServer().server().getConnectors()[0];
        String h = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        if (h.equals("0.0.0.0")) h = "127.0.0.1";
        host.url = (options.tlsKeystore() != null ? "https" : "http") + "://" + h + ":" + c.getLocalPort();
        host.log("listening on " + host.url + " (" + host.routeOwners.size() + " routes)");
        return host;
    }

    public String url() {
        return url;
    }

    Path home() {
        return home;
    }

    /** {@code cloudmesh.server.console_idle}: how long a web console may go without key or mouse input (10m). */
    static java.time.Duration consoleIdle(Context ctx) {
        String v = ctx.config().getString("cloudmesh.server.console_idle").orElse("10m").strip();
        if (v.matches("[0-9]+s")) return java.time.Duration.ofSeconds(Math.max(1, Long.parseLong(v.replace("s", ""))));
        return org.cloudmesh.cms.api.util.Walltime.parse(v);
    }

    public int port() {
        return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
    }

    /** "METHOD path" of every route, with the class that added it. */
    public Map<String, String> routes() {
        return Map.copyOf(routeOwners);
    }

    @Override
    public void close() {
        console.close();
        app.stop();
        guard.close();
        synchronized (refusalLock) {
            if (refusals > 0) writeRefusals(null, "(stop)", "the server stopped");
        }
    }

    /** Where multipart parts over 1 MB are parked while a request is handled. */
    private java.io.File spillDirectory() {
        Path dir = home.resolve(".multipart");
        org.cloudmesh.cms.app.PrivateFiles.createDirectory(dir);
        return dir.toFile();
    }

    /** Parts a killed server left behind. */
    private void removeSpilledParts() {
        Path dir = home.resolve(".multipart");
        if (!Files.isDirectory(dir)) return;
        try (var files = Files.list(dir)) {
            int n = 0;
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
                n++;
            }
            if (n > 0) log("removed " + n + " part file(s) of uploads a stopped server left in " + dir);
        } catch (IOException e) {
            log("WARN cannot clean " + dir + ": " + e.getMessage());
        }
    }

    void log(String line) {
        synchronized (log) {
            log.println(Instant.now() + " " + line);
            log.flush();
        }
    }

    private void builtins() {
        Api own = new Api("cms server");
        own.publicGet("/health", call -> RestReply.ok(Map.of("status", "ok")));
        own.get("/whoami", call -> {
            Principal p = call.principal();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("user", p.user());
            m.put("projects", p.projects().stream().sorted().toList());
            m.put("admin", p.admin());
            return RestReply.ok(m);
        });
        own.commit();
        register("GET", "/getkey", "cms server", this::getKey);
        register("HEAD", "/getkey", "cms server", jc -> {
            jc.attribute(HANDLED, true);
            jc.header("Allow", "GET");
            error(jc, 405, "GET /getkey only: a key is never handed out in answer to HEAD", null);
        });
    }

    /**
     * {@code GET /getkey}: Basic user:password and the one-time code; answers Nucleus' {@code {key_name, key}}. A
     * refused login is audited with the real reason (and the user only when the password was right); requests
     * without credentials, and those throttled, are only counted.
     */
    private void getKey(io.javalin.http.Context jc) {
        jc.attribute(HANDLED, true);
        String authorization = jc.header(RequestSigner.AUTHORIZATION);
        try {
            Accounts.ApiKey key = auth.getKey(authorization, jc.header(RequestSigner.OTP), jc.ip());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key_name", key.keyId());
            m.put("key", key.secret());
            m.put("user", key.user().name());
            m.put("expires", Instant.ofEpochSecond(auth.expires(key)).toString());
            jc.header("Cache-Control", "no-store");
            send(jc, RestReply.ok(m));
            record(key.user().name(), jc.ip(), "GET /getkey", null, null, "200 key " + key.keyId());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (Authenticator.LoginRefused e) {
            if (e.httpStatus() == 401) jc.header("WWW-Authenticate", "Basic realm=\"cms\"");
            if (e.retryAfter > 0) jc.header("Retry-After", Long.toString(e.retryAfter));
            error(jc, e.httpStatus(), e.getMessage(), null);
            String claimed = basicUser(authorization);
            if (e.httpStatus() == 429) {
                refused(jc.ip(), "GET /getkey", "429 " + e.reason);
            } else {
                record(e.verifiedUser, jc.ip(), "GET /getkey", null, null, "401 " + e.reason
                        + (e.verifiedUser == null && claimed != null ? " (as '" + truncate(claimed, 64) + "')" : ""));
            }
        } catch (RestException e) {
            if (e.httpStatus() == 401) jc.header("WWW-Authenticate", "Basic realm=\"cms\"");
            error(jc, e.httpStatus(), e.getMessage(), e.field());
            refused(jc.ip(), "GET /getkey", e.httpStatus() + " " + e.getMessage());
        }
    }

    /**
     * An unauthenticated request refused: counted, and written to the audit trail as one row a minute at most
     * (with no user: nothing the client claimed is proven), so that a flood of them cannot flood the trail.
     */
    void refused(String from, String action, String result) {
        synchronized (refusalLock) {
            refusals++;
            if (System.nanoTime() - lastRefusalRow >= REFUSAL_ROW_NANOS) writeRefusals(from, action, result);
        }
    }

    /** One row for the refusals counted so far: the latest one's action and result, and how many there were. */
    private void writeRefusals(String from, String action, String result) {
        record(null, from, truncate(action, AUDIT_PATH_CHARS), null, null, truncate(result, 200) + " (" + refusals
                + " unauthenticated request(s) refused since the last such entry)");
        refusals = 0;
        lastRefusalRow = System.nanoTime();
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
    }

    static String basicUser(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) return null;
        try {
            String pair = new String(java.util.Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            return colon > 0 ? pair.substring(0, colon) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    void record(String user, String from, String action, String cluster, String nodes, String result) {
        try {
            audit.record(new AuditEntry(Instant.now(), user, from, action, cluster, nodes, result));
        } catch (RuntimeException e) {
            log("ERROR audit entry not written (" + user + " " + action + " " + result + "): " + e.getMessage());
        }
    }

    void register(String method, String path, String owner, Handler handler) {
        String key = method + " " + path;
        String before = routeOwners.putIfAbsent(key, owner);
        if (before != null) throw new IllegalStateException("route " + key + " is already added by " + before);
        app.addHttpHandler(HandlerType.valueOf(method), path, handler);
    }

    /** The {@link RestApi} one plugin sees; its routes are added together, or none if one clashes. */
    final class Api implements RestApi {
        private final String owner;
        private final List<String[]> pending = new ArrayList<>();
        private final List<Object[]> handlers = new ArrayList<>();

        Api(String owner) {
            this.owner = owner;
        }

        private void add(String method, String path, RestHandler h, boolean open) {
            if (path == null || !path.startsWith("/")) throw new IllegalArgumentException("a route path starts with '/': " + path);
            handlers.add(new Object[] {method, path, h, open});
        }

        void commit() {
            Map<String, String> seen = new HashMap<>();
            for (Object[] h : handlers) {
                String key = h[0] + " " + h[1];
                if (routeOwners.containsKey(key) || seen.put(key, owner) != null) {
                    throw new IllegalStateException("route " + key + " is already added" + (routeOwners.containsKey(key) ? " by " + routeOwners.get(key) : ""));
                }
            }
            for (Object[] h : handlers) {
                String method = (String) h[0];
                register(method, (String) h[1], owner, handler(method, (RestHandler) h[2], (Boolean) h[3]));
                // HEAD is a GET without the body, behind the same authentication (a client signs "head PATH")
                if (method.equals("GET")) register("HEAD", (String) h[1], owner, handler("HEAD", (RestHandler) h[2], (Boolean) h[3]));
            }
        }

        @Override
        public void get(String path, RestHandler handler) {
            add("GET", path, handler, false);
        }

        @Override
        public void post(String path, RestHandler handler) {
            add("POST", path, handler, false);
        }

        @Override
        public void put(String path, RestHandler handler) {
            add("PUT", path, handler, false);
        }

        @Override
        public void delete(String path, RestHandler handler) {
            add("DELETE", path, handler, false);
        }

        @Override
        public void publicGet(String path, RestHandler handler) {
            add("GET", path, handler, true);
        }

        @Override
        public void console(String kind, ConsoleResolver resolver) {
            console.resolver(kind, resolver);
        }
    }

    /**
     * One route behind the authentication layer: the request head is checked (signature over the Digest header)
     * before a byte of the body is read; the body is then read through SHA-256 and compared with that Digest.
     */
    private Handler handler(String method, RestHandler h, boolean open) {
        boolean audited = !method.equals("GET") && !method.equals("HEAD");
        return jc -> {
            jc.attribute(HANDLED, true);
            Call call = new Call(jc);
            String target = target(jc);
            String result;
            try {
                Authenticator.Signed signed = open ? null : auth.verify(method, target, jc::header);
                if (signed != null) call.principal = signed.principal();
                readBody(jc, signed, call);
                RestReply r = h.handle(call);
                if (r == null) r = RestReply.noContent();
                send(jc, r);
                result = Integer.toString(r.status());
            } catch (RestException e) {
                error(jc, e.httpStatus(), e.getMessage(), e.field());
                result = e.httpStatus() + " " + e.getMessage();
            } catch (CmsException e) {
                error(jc, 400, e.getMessage(), null);
                result = "400 " + e.getMessage();
            } catch (OutOfMemoryError e) {
                call.release();
                log("ERROR " + method + " " + truncate(target, AUDIT_PATH_CHARS) + " (" + call.principal.user() + "): out of memory ("
                        + bodyBytes.get() + " bytes of bodies held): answered 503");
                error(jc, 503, "the server is short of memory: try again shortly", null);
                result = "503 out of memory";
            } catch (RuntimeException | IOException e) {
                log("ERROR " + method + " " + target + " (" + call.principal.user() + "): " + stackTrace(e));
                error(jc, 500, "internal server error (the server's log has the details)", null);
                result = "500 " + e;
            } finally {
                call.release();
            }
            if (audited) {
                if (call.principal == Principal.ANONYMOUS) refused(jc.ip(), method + " " + target, result);
                else record(call.principal.user(), jc.ip(), method + " " + target, call.cluster, call.nodes, result);
            }
        };
    }

    /** The path and query exactly as on the request line: what the client signed. */
    static String target(io.javalin.http.Context jc) {
        String q = jc.req().getQueryString();
        return q == null ? jc.req().getRequestURI() : jc.req().getRequestURI() + "?" + q;
    }

    private static final int CHUNK = 64 << 10;

    /**
     * The body, read through SHA-256 in chunks as it arrives (never allocated from Content-Length), within the size
     * limit and the servers' memory for bodies; compared with the signed Digest when the route is signed.
     */
    private void readBody(io.javalin.http.Context jc, Authenticator.Signed signed, Call call) throws IOException {
        long declared = jc.req().getContentLengthLong();
        if (declared > options.maxBody()) throw tooLarge(declared, options.maxBody());
        MessageDigest sha = sha256();
        // HTTP/1.1: neither Content-Length nor Transfer-Encoding means no body (every GET of a client)
        if (declared == 0 || declared < 0 && jc.header("Transfer-Encoding") == null || signed == null) {
            if (signed != null) Authenticator.checkDigest(signed, sha.digest());
            return;
        }
        if (declared > 0) call.reserve(declared);
        List<byte[]> chunks = new ArrayList<>();
        long total = 0;
        org.eclipse.jetty.io.Connection connection = connection(jc);
        long start = System.nanoTime();
        guard.readBy(connection, start + deadline(Math.max(declared, 0)));
        try (InputStream in = jc.req().getInputStream()) {
            while (true) {
                if (declared < 0) call.reserve(CHUNK);
                byte[] chunk = new byte[(int) Math.min(CHUNK, declared > 0 ? Math.max(1, declared - total) : CHUNK)];
                int filled = 0;
                for (int n; filled < chunk.length && (n = in.read(chunk, filled, chunk.length - filled)) > 0; ) {
                    filled += n;
                    if (declared < 0) guard.readBy(connection, start + deadline(total + filled));
                }
                if (filled == 0) break;
                total += filled;
                if (total > options.maxBody()) throw tooLarge(total, options.maxBody());
                sha.update(chunk, 0, filled);
                chunks.add(filled == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, filled));
                if (filled < chunk.length) break;
            }
        } catch (org.eclipse.jetty.http.BadMessageException e) {
            throw malformed(e);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.eclipse.jetty.http.BadMessageException b) throw malformed(b);
            }
            log("WARN " + jc.method() + " " + truncate(target(jc), AUDIT_PATH_CHARS) + " (" + call.principal.user() + "): the body ended after "
                    + total + " bytes: " + e);
            // Jetty's parser reports a broken chunked encoding as an early end of the body, like a client gone away
            throw RestException.badRequest("the body is malformed or incomplete (a bad chunked encoding, or it stopped"
                    + " before its end or slower than " + MIN_BODY_RATE + " bytes a second)", null);
        } finally {
            guard.read(connection);
        }
        Authenticator.checkDigest(signed, sha.digest());
        call.chunks = chunks;
        call.length = total;
    }

    private static RestException malformed(org.eclipse.jetty.http.BadMessageException e) {
        return RestException.badRequest("malformed body: " + (e.getReason() == null ? "bad chunked encoding" : e.getReason()), null);
    }

    /** How long a body of {@code bytes} may take to arrive, in nanoseconds. */
    static long deadline(long bytes) {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(IO_TIMEOUT_MILLIS) + bytes * 1_000_000_000L / MIN_BODY_RATE;
    }

    private static org.eclipse.jetty.io.Connection connection(io.javalin.http.Context jc) {
        Request base = Request.getBaseRequest(jc.req());
        return base == null ? null : base.getHttpChannel().getConnection();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static RestException tooLarge(long size, long limit) {
        return new RestException(413, "the body is too large (" + size + " bytes or more; the limit is " + limit + " bytes)", null);
    }

    private void send(io.javalin.http.Context jc, RestReply r) throws JsonProcessingException {
        jc.status(r.status());
        r.headers().forEach(jc::header);
        Object body = r.body();
        String type = r.contentType() == null ? RestReply.JSON : r.contentType();
        if (body == null) {
            jc.result(new byte[0]);
        } else if (body instanceof byte[] bytes) {
            jc.contentType(type).result(bytes);
        } else if (body instanceof String s && !type.toLowerCase(Locale.ROOT).contains("json")) {
            jc.contentType(type).result(s);
        } else {
            jc.contentType(RestReply.JSON).result(JSON.writeValueAsBytes(body));
        }
    }

    static void error(io.javalin.http.Context jc, int status, String message, String field) {
        jc.status(status).contentType(RestReply.JSON).result(errorBody(status, message, field));
    }

    static byte[] errorBody(int status, String message, String field) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", status);
        m.put("message", message);
        m.put("field", field);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            return ("{\"code\":" + status + ",\"message\":\"error\",\"field\":null}").getBytes(StandardCharsets.UTF_8);
        }
    }

    static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** One request as a route sees it. */
    private final class Call implements RestCall {
        private final io.javalin.http.Context jc;
        Principal principal = Principal.ANONYMOUS;
        /** The body as read, in chunks; made one array only when a route asks for the bytes. */
        List<byte[]> chunks = new ArrayList<>();
        long length;
        private byte[] bytes;
        String cluster;
        String nodes;
        private long reserved;

        Call(io.javalin.http.Context jc) {
            this.jc = jc;
        }

        /** Takes {@code n} bytes of the memory for bodies, or answers 503 when other bodies hold it. */
        void reserve(long n) {
            long now = bodyBytes.addAndGet(n);
            reserved += n;
            if (now > bodyBudget) {
                log("WARN " + jc.method() + " " + truncate(target(jc), AUDIT_PATH_CHARS) + " (" + principal.user() + "): " + (now - n)
                        + " bytes of request bodies are in memory already (at most " + bodyBudget + "): answered 503");
                throw new RestException(503, "the server is receiving too many large bodies at once: try again shortly", null);
            }
        }

        void release() {
            bodyBytes.addAndGet(-reserved);
            reserved = 0;
        }

        @Override
        public Principal principal() {
            return principal;
        }

        @Override
        public String pathParam(String name) {
            try {
                return jc.pathParam(name);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the route has no path parameter {" + name + "}", e);
            }
        }

        @Override
        public Optional<String> query(String name) {
            return Optional.ofNullable(jc.queryParam(name));
        }

        @Override
        public <T> T body(Class<T> type) {
            if (length > options.maxJson()) throw tooLarge(length, options.maxJson());
            if (length == 0) throw RestException.badRequest("a JSON body is required", null);
            String ct = jc.contentType() == null ? "" : jc.contentType().toLowerCase(Locale.ROOT).split(";")[0].strip();
            if (!ct.equals("application/json") && !ct.endsWith("+json")) {
                throw new RestException(415, "send the body as Content-Type: application/json (it came as "
                        + (ct.isEmpty() ? "no type" : truncate(ct, 60)) + ")", null);
            }
            try {
                return JSON.readValue(bytes(), type);
            } catch (UnrecognizedPropertyException e) {
                throw RestException.badRequest("unknown field '" + e.getPropertyName() + "'", field(e));
            } catch (InvalidFormatException e) {
                throw RestException.badRequest("wrong type for '" + field(e) + "': " + shortType(e.getTargetType())
                        + " expected, got " + JSON.valueToTree(e.getValue()), field(e));
            } catch (MismatchedInputException e) {
                String f = field(e);
                if (f == null) throw RestException.badRequest("the body must be a JSON " + (e.getTargetType() != null && (e.getTargetType().isArray() || java.util.Collection.class.isAssignableFrom(e.getTargetType())) ? "array" : "object"), null);
                throw RestException.badRequest("wrong type for '" + f + "': " + shortType(e.getTargetType()) + " expected", f);
            } catch (JsonMappingException e) {
                throw RestException.badRequest("invalid value for '" + field(e) + "': " + e.getOriginalMessage(), field(e));
            } catch (JsonProcessingException e) {
                var loc = e.getLocation();
                throw RestException.badRequest("malformed JSON" + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                        + ": " + e.getOriginalMessage(), null);
            } catch (IOException e) {
                throw RestException.badRequest("unreadable body: " + e.getMessage(), null);
            }
        }

        @Override
        public byte[] bodyBytes() {
            return bytes();
        }

        /**
         * The body as one array, made once: each chunk is let go as soon as it is copied, so a large body is not
         * held twice.
         */
        private byte[] bytes() {
            if (bytes != null) return bytes;
            if (chunks.size() == 1) {
                bytes = chunks.get(0);
            } else {
                bytes = new byte[(int) length];
                int at = 0;
                for (int i = 0; i < chunks.size(); i++) {
                    byte[] c = chunks.set(i, EMPTY);
                    System.arraycopy(c, 0, bytes, at, c.length);
                    at += c.length;
                }
            }
            chunks = List.of();
            return bytes;
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(jc.header(name));
        }

        @Override
        public Optional<FilePart> file(String field) {
            String type = jc.contentType();
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) return Optional.empty();
            // Jetty's parser over the body already read (and signed); a part over 1 MB goes to a file in
            // $CLOUDMESH_HOME/.multipart (removed when done, and at the next start after a kill)
            java.io.File spill = spillDirectory();
            var parts = new org.eclipse.jetty.server.MultiPartFormInputStream(new java.io.ByteArrayInputStream(bytes()), type,
                    new jakarta.servlet.MultipartConfigElement(spill.toString(), options.maxBody(), options.maxBody(), 1 << 20), spill);
            try {
                jakarta.servlet.http.Part part = parts.getPart(field);
                if (part == null) return Optional.empty();
                try (InputStream in = part.getInputStream()) {
                    return Optional.of(new FilePart(part.getSubmittedFileName(), in.readAllBytes()));
                }
            } catch (IOException | RuntimeException e) {
                throw RestException.badRequest("malformed multipart body: " + e.getMessage(), field);
            } finally {
                parts.deleteParts();
            }
        }

        @Override
        public String remoteAddress() {
            return jc.ip();
        }

        @Override
        public void auditTarget(String cluster, String nodes) {
            this.cluster = cluster;
            this.nodes = nodes;
        }

        @Override
        public void requireFreshSecondFactor() {
            if (principal == Principal.ANONYMOUS) throw RestException.unauthorized("this needs a signed request and a fresh one-time code");
            auth.requireCode(principal.user(), jc.header(RequestSigner.OTP));
        }
    }

    /** The JSON path of the field at fault: {@code nodes[0].name}, or null for the whole body. */
    static String field(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) b.append('.');
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    private static String shortType(Class<?> t) {
        if (t == null) return "another type";
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class || t == short.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) return "an array";
        if (t.isEnum()) return "one of " + java.util.Arrays.toString(t.getEnumConstants());
        return "an object";
    }

    /** Errors Jetty answers itself (bad request lines, headers too large): JSON too, never a stack trace. */
    static final class JsonErrorHandler extends ErrorHandler {
        JsonErrorHandler() {
            setShowStacks(false);
            setShowServlet(false);
        }

        @Override
        protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                int code, String message) throws IOException {
            baseRequest.setHandled(true);
            response.setContentType(RestReply.JSON);
            response.getOutputStream().write(errorBody(code, message == null ? "error " + code : message, null));
        }

        @Override
        public java.nio.ByteBuffer badMessageError(int status, String reason, org.eclipse.jetty.http.HttpFields.Mutable fields) {
            fields.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, RestReply.JSON);
            return java.nio.ByteBuffer.wrap(errorBody(status, reason == null ? "bad request" : reason, null));
        }
    }
}
