package org.cloudmesh.cms.app.server;

import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import org.cloudmesh.cms.api.console.ConsoleResolver;
import org.cloudmesh.cms.api.console.ConsoleTarget;
import org.cloudmesh.cms.app.admin.Accounts;

/**
 * The web console of {@code cms server}: {@code GET /console/TOKEN} opens a one-time link (see {@link ConsoleLinks})
 * and answers the noVNC page (served from {@code /novnc/}, vendored into the jar at build time) or a plain page
 * saying why not; the page's WebSocket {@code /console-session/KEY} carries the RFB stream to the node's VNC display,
 * which the plugin that made the link finds ({@link ConsoleResolver}). A serial console link (kind {@code *-serial},
 * for a terminal client such as 'comet console' in remote mode) answers the WebSocket's path as JSON instead of a
 * page, and its WebSocket carries the terminal's bytes. The key is made for one page, is good for one
 * WebSocket within {@link #PAGE_TTL}, and is never in a link. A session ends when the browser closes it, the node
 * stops running, no key or mouse input came for the idle time ({@code cloudmesh.server.console_idle}, 10m), or the
 * display closes; every opening, refusal and end is in the audit trail.
 */
final class WebConsole {
    /** How long an opened page may take to connect its WebSocket. */
    static final Duration PAGE_TTL = Duration.ofSeconds(30);
    /** Console sessions at one time, per server. */
    static final int MAX_SESSIONS = 8;
    /** How often a session checks that its node still runs and that it is not idle. */
    static final long WATCH_MILLIS = 2_000;
    static final String ACTION = "GET /console";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerHost host;
    private final Accounts accounts;
    private final Duration idle;
    private final Map<String, ConsoleResolver> resolvers = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cms-console-watch");
        t.setDaemon(true);
        return t;
    });

    /** A page that was served and whose WebSocket has not come yet. */
    private record Pending(ConsoleLink link, ConsoleTarget target, long expires) {
    }

    WebConsole(ServerHost host, Accounts accounts, Duration idle) {
        this.host = host;
        this.accounts = accounts;
        this.idle = idle;
        watch.scheduleWithFixedDelay(this::watchAll, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    void resolver(String kind, ConsoleResolver r) {
        if (resolvers.putIfAbsent(kind, r) != null) throw new IllegalStateException("console links of kind " + kind + " are resolved already");
    }

    void routes(Javalin app) {
        host.register("GET", "/console/{token}", "cms server", this::page);
        host.register("GET", "/novnc/<file>", "cms server", this::asset);
        app.ws("/console-session/{key}", ws -> {
            ws.onConnect(this::connect);
            ws.onBinaryMessage(c -> {
                Session s = sessions.get(c.sessionId());
                if (s != null) s.fromBrowser(c.data(), c.offset(), c.length());
            });
            ws.onClose(c -> end(c.sessionId(), "the browser closed it"));
            ws.onError(c -> end(c.sessionId(), "the browser's connection failed"));
        });
    }

    void close() {
        watch.shutdownNow();
        for (String id : sessions.keySet()) end(id, "the server stopped");
    }

    // ---- the page ---------------------------------------------------------------------------------------------

    /** {@code GET /console/TOKEN}: the console page, once, or a plain page that says why not. */
    void page(io.javalin.http.Context jc) {
        jc.attribute(ServerHost.HANDLED, true);
        jc.header("Cache-Control", "no-store");
        jc.header("Referrer-Policy", "no-referrer");
        jc.header("X-Frame-Options", "DENY");
        ConsoleLinks.Opening o = ConsoleLinks.open(host.home(), jc.pathParam("token"), Instant.now());
        if (o.link() == null) {
            host.refused(jc.ip(), ACTION, "403 " + o.refusal());
            refusal(jc, 403, o.refusal());
            return;
        }
        ConsoleLink link = o.link();
        String why = mayOpen(link);
        ConsoleTarget target = null;
        if (why == null) {
            ConsoleResolver r = resolvers.get(link.kind());
            if (r == null) {
                why = "this server has no " + link.kind() + " plugin to show " + link.what();
            } else {
                try {
                    target = r.resolve(link);
                    if (!target.running()) why = link.what() + " is not running: power it on, then ask for a new link";
                } catch (CmsException e) {
                    why = e.getMessage();
                }
            }
        }
        if (why != null) {
            host.record(link.user(), jc.ip(), ACTION + " (" + link.kind() + ")", link.scope(), link.name(), "403 " + why);
            refusal(jc, 403, why);
            return;
        }
        long now = System.nanoTime();
        pending.values().removeIf(p -> p.expires() - now < 0);
        String key = random();
        pending.put(key, new Pending(link, target, now + PAGE_TTL.toNanos()));
        host.record(link.user(), jc.ip(), ACTION + " (" + link.kind() + ")", link.scope(), link.name(), "200 page served");
        if (serial(link)) {
            // a serial console is for a terminal client (comet console in remote mode): it gets the WebSocket, no page
            jc.contentType("application/json").result("{\"session\": \"/console-session/" + key + "\"}");
            return;
        }
        String nonce = random();
        jc.header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'unsafe-inline';"
                + " img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'");
        jc.contentType("text/html; charset=utf-8").result(PAGE.replace("$TITLE", html("Console of " + link.what()))
                .replace("$NONCE", nonce).replace("$KEY", key));
    }

    /** Null when the link's user may still open it, else why not (they left the project, were disabled). */
    private String mayOpen(ConsoleLink link) {
        if (link.project() == null) return null;
        Optional<Accounts.User> u = accounts.find(link.user());
        // a link made on the management node names the local user, who is no server account
        if (u.isEmpty()) return link.user().startsWith(ConsoleLinks.LOCAL) ? null : "this console link names user " + link.user() + ", who is unknown now";
        if (u.get().disabled()) return "user " + link.user() + " is disabled: the link cannot be used";
        if (!u.get().admin() && !u.get().projects().contains(link.project())) {
            return "this console link is for project " + link.project() + ", which user " + link.user() + " is not in";
        }
        return null;
    }

    private static void refusal(io.javalin.http.Context jc, int status, String why) {
        jc.status(status).contentType("text/html; charset=utf-8").result("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
                + "<title>No console</title></head>\n<body><h1>No console</h1>\n<p id=\"refusal\">" + html(why) + "</p>\n"
                + "<p>Ask for a new link with <code>comet console CLUSTER [NODE] --link</code> or <code>vm console NAME --link</code>.</p>"
                + "</body></html>\n");
    }

    /** The noVNC files vendored into this jar. */
    private void asset(io.javalin.http.Context jc) throws IOException {
        jc.attribute(ServerHost.HANDLED, true);
        String file = jc.pathParam("file");
        InputStream in = file.matches("[A-Za-z0-9_./-]+") && !file.contains("..") ? WebConsole.class.getResourceAsStream("/novnc/" + file) : null;
        if (in == null) {
            ServerHost.error(jc, 404, "no file /novnc/" + ServerHost.truncate(file, 80), null);
            return;
        }
        try (in) {
            jc.header("Cache-Control", "max-age=3600");
            jc.contentType(file.endsWith(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream").result(in.readAllBytes());
        }
    }

    // ---- the WebSocket ----------------------------------------------------------------------------------------

    private void connect(WsContext c) {
        Pending p = pending.remove(c.pathParam("key"));
        String origin = c.header("Origin");
        if (p == null || p.expires() - System.nanoTime() < 0) {
            host.refused(ip(c), "WS /console-session", "1008 no page's key");
            c.closeSession(1008, "this console needs the key of an open console page: open a new link");
            return;
        }
        ConsoleLink l = p.link();
        String action = "WS /console-session (" + l.kind() + ")";
        if (origin != null && !sameHost(origin, c.header("Host"))) {
            host.record(l.user(), ip(c), action, l.scope(), l.name(), "1008 foreign origin " + ServerHost.truncate(origin, 80));
            c.closeSession(1008, "the console page must come from this server");
            return;
        }
        if (sessions.size() >= MAX_SESSIONS) {
            host.record(l.user(), ip(c), action, l.scope(), l.name(), "1013 too many consoles");
            c.closeSession(1013, "this server shows " + MAX_SESSIONS + " consoles at once already: try again later");
            return;
        }
        ConsoleTarget.Stream vnc;
        try {
            vnc = p.target().connect();
        } catch (CmsException e) {
            host.record(l.user(), ip(c), action, l.scope(), l.name(), "1011 " + e.getMessage());
            c.closeSession(1011, ServerHost.truncate("the hypervisor's display cannot be reached: " + e.getMessage(), 120));
            return;
        }
        c.session.setIdleTimeout(idle.plusSeconds(30));
        Session s = new Session(c, p, vnc, action);
        sessions.put(c.sessionId(), s);
        host.record(l.user(), ip(c), action, l.scope(), l.name(), "101 console open");
        Thread t = new Thread(s::toBrowser, "cms-console-" + l.scope() + "-" + l.name());
        t.setDaemon(true);
        t.start();
    }

    private static String ip(WsContext c) {
        return c.session.getRemoteAddress() instanceof java.net.InetSocketAddress a ? a.getAddress().getHostAddress() : String.valueOf(c.session.getRemoteAddress());
    }

    static boolean sameHost(String origin, String hostHeader) {
        try {
            URI o = URI.create(origin);
            String h = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            return h != null && h.equalsIgnoreCase(hostHeader);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void end(String id, String why) {
        Session s = sessions.remove(id);
        if (s != null) s.end(why);
    }

    private void watchAll() {
        long now = System.nanoTime();
        pending.values().removeIf(p -> p.expires() - now < 0);
        for (Map.Entry<String, Session> e : sessions.entrySet()) {
            Session s = e.getValue();
            String why = null;
            try {
                if (!s.pending.target().running()) why = s.pending.link().what() + " stopped running";
            } catch (RuntimeException x) {
                why = "cannot tell whether " + s.pending.link().what() + " runs: " + x.getMessage();
            }
            if (why == null && now - s.lastInput > idle.toNanos()) why = "no input for " + idle.toSeconds() + " s";
            if (why != null) end(e.getKey(), why);
        }
    }

    /** One browser's WebSocket joined to one display. */
    private final class Session {
        final WsContext ws;
        final Pending pending;
        final ConsoleTarget.Stream vnc;
        final String action;
        final long opened = System.nanoTime();
        final AtomicBoolean ended = new AtomicBoolean();
        volatile long lastInput = System.nanoTime();

        Session(WsContext ws, Pending pending, ConsoleTarget.Stream vnc, String action) {
            this.ws = ws;
            this.pending = pending;
            this.vnc = vnc;
            this.action = action;
        }

        /**
         * RFB from the browser to the display. noVNC sends each message in its own frame: a key event (type 4, 8
         * bytes) or a pointer event (type 5, 6 bytes) is the person's input, which keeps the session from idling.
         */
        void fromBrowser(byte[] b, int off, int len) {
            if (len > 0 && (serial(pending.link()) || b[off] == 4 && len == 8 || b[off] == 5 && len == 6)) lastInput = System.nanoTime();
            try {
                vnc.out().write(b, off, len);
                vnc.out().flush();
            } catch (IOException e) {
                WebConsole.this.end(ws.sessionId(), "the display closed");
            }
        }

        /** RFB from the display to the browser, until the display closes. */
        void toBrowser() {
            byte[] buf = new byte[32 << 10];
            try {
                for (int n; (n = vnc.in().read(buf)) > 0; ) ws.send(ByteBuffer.wrap(buf, 0, n));
            } catch (IOException | RuntimeException e) {
                // the display or the browser went away; the reason is decided below or by whoever ended it
            }
            WebConsole.this.end(ws.sessionId(), "the display closed");
        }

        void end(String why) {
            if (!ended.compareAndSet(false, true)) return;
            ConsoleLink l = pending.link();
            // audited before the browser hears of it
            host.record(l.user(), ip(ws), action, l.scope(), l.name(), "console closed after "
                    + Duration.ofNanos(System.nanoTime() - opened).toSeconds() + " s: " + why);
            vnc.close();
            if (ws.session.isOpen()) ws.closeSession(1000, ServerHost.truncate(why, 120));
        }
    }

    /** A link to a serial console (kind ending in "-serial"): bytes of a terminal, not RFB. */
    static boolean serial(ConsoleLink link) {
        return link.kind().endsWith("-serial");
    }

    private static String random() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The console page: noVNC from this server, its WebSocket to this server, nothing else. */
    static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>$TITLE</title>
            <style>body{margin:0;background:#222;color:#eee;font-family:sans-serif}
            #status{padding:4px 8px;font-size:14px}#screen{width:100vw;height:calc(100vh - 26px)}</style></head>
            <body><div id="status" data-state="connecting">$TITLE: connecting</div><div id="screen"></div>
            <script type="module" nonce="$NONCE">
            import RFB from '/novnc/core/rfb.js';
            const status = document.getElementById('status');
            function show(state, text) { status.dataset.state = state; status.textContent = document.title + ': ' + text; }
            const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/console-session/$KEY';
            const rfb = new RFB(document.getElementById('screen'), url, {wsProtocols: []});
            rfb.scaleViewport = false;
            rfb.focusOnClick = true;
            rfb.addEventListener('connect', () => { show('connected', 'connected'); rfb.focus(); });
            rfb.addEventListener('disconnect', e => show('ended', e.detail.clean ? 'the session ended' : 'the connection was lost'));
            rfb.addEventListener('securityfailure', e => show('ended', 'refused: ' + e.detail.reason));
            window.cmsConsole = rfb;
            </script></body></html>
            """;
}
