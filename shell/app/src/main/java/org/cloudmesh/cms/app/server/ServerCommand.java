package org.cloudmesh.cms.app.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.rest.ServerPid;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.app.ShellContext;
import org.cloudmesh.cms.app.admin.Accounts;
import org.cloudmesh.cms.api.audit.AuditTrail;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cms server start|status|stop}: the REST server (routes from every plugin's {@code RestRoutes}) as a
 * background process of this distribution, with its PID file ({@code server.pid}) and log ({@code server.log}) in
 * $CLOUDMESH_HOME; {@code --foreground} runs it in this process instead.
 *
 * <p>From a script or a test (the distribution in build/cms):
 * <pre>
 * export CLOUDMESH_HOME=$(mktemp -d)
 * echo 'a-long-password' | cms admin user add alice --project p1 --password-stdin --secret-only   # prints the TOTP secret (base32)
 * cms server start --port 0              # prints "cms server running at http://127.0.0.1:PORT (PID n; log ...)"
 * cms server status                      # "cms server running at URL (PID n)" or "cms server stopped"
 * curl -u alice:a-long-password -H "X-OTP: $(code from the secret)" URL/getkey     # {"key_name": KEY, "key": SECRET, ...}
 * ... requests signed with org.cloudmesh.cms.api.rest.RequestSigner(KEY, SECRET) ...
 * cms server stop
 * </pre>
 * {@code cms admin user enroll NAME --secret-only} gives a user a new TOTP secret and prints only that; a test computes
 * codes from it with RFC 6238 (HMAC-SHA1, 6 digits, 30 s). {@code cms admin audit --output json} shows the trail.
 * A key works for {@code --key-lifetime} (default 3d); {@code cms admin key list} and {@code cms admin key revoke KEY}
 * manage them. Failed logins are throttled per user and per address (429 with Retry-After).
 * Environment: {@code CMS_TLS_PASSWORD} (password of the {@code --tls} keystore), {@code CMS_SERVER_JAVA_OPTS}
 * (JVM options of the background server, default {@code -Xmx192m}).
 */
@Command(name = "server", description = {"Start, stop and check the REST server.",
        "It serves the plugins' routes behind signed requests; keys come from GET /getkey with password and one-time code.",
        "State, PID file (server.pid) and log (server.log) are in $CLOUDMESH_HOME.",
        "A log over 10 MB is set aside at the next start as server.log.1 (three old logs are kept)."},
        footer = {"%nExamples:", "  server start --port 8080", "  server status", "  server stop",
                "  admin user add alice --project p1     (accounts: see 'admin --help')"})
public final class ServerCommand {
    private final ShellContext ctx;

    public ServerCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Command(name = "start", description = "Start the server in the background; prints its URL once it answers.")
    int start(@Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).") String bind,
              @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ServerOptions.DEFAULT_PORT, description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).") int port,
              @Option(names = "--tls", paramLabel = "KEYSTORE", description = "Serve HTTPS with this PKCS12/JKS keystore (password in $CMS_TLS_PASSWORD).") Path tls,
              @Option(names = "--threads", paramLabel = "N", defaultValue = "32", description = "Worker threads (default: ${DEFAULT-VALUE}).") int threads,
              @Option(names = "--key-lifetime", paramLabel = "DURATION", defaultValue = "3d", description = "How long an API key from GET /getkey works: 30m, 12h, 3d, 2w (default: ${DEFAULT-VALUE}; at most a year).") String keyLifetime,
              @Option(names = "--foreground", description = "Run in this process until stopped (Ctrl-C or SIGTERM).") boolean foreground) {
        if (port < 0 || port > 65535) throw new CmsException("--port " + port + ": use 0 to 65535");
        if (threads < 4 || threads > 1000) throw new CmsException("--threads " + threads + ": use 4 to 1000");
        if (tls != null && !Files.isReadable(tls)) throw new CmsException("--tls " + tls + ": no such readable keystore");
        long lifetime = keyLifetime(keyLifetime);
        Path home = ctx.home();
        Optional<ServerFiles.Running> running = ServerFiles.running(home);
        if (running.isPresent() && running.get().pid() != ProcessHandle.current().pid()) {
            throw new CmsException("cms server is already running at " + running.get().url() + " (PID " + running.get().pid()
                    + "): run 'server stop' first");
        }
        ServerOptions options = ServerOptions.loopback(port).withBind(bind).withThreads(threads).withKeyLifetime(lifetime);
        if (tls != null) options = options.withTls(tls.toAbsolutePath(), System.getenv("CMS_TLS_PASSWORD"));
        return foreground ? runHere(options) : runInBackground(options, tls);
    }

    static long keyLifetime(String text) {
        long seconds;
        try {
            seconds = org.cloudmesh.cms.api.util.Walltime.parse(text).toSeconds();
        } catch (CmsException | IllegalArgumentException e) {
            throw new CmsException("--key-lifetime '" + text + "': give a duration such as 30m, 12h, 3d or 2w");
        }
        if (seconds < 60 || seconds > ServerOptions.MAX_KEY_LIFETIME_SECONDS) {
            throw new CmsException("--key-lifetime '" + text + "': use 1m to 366d");
        }
        return seconds;
    }

    private int runHere(ServerOptions options) {
        Path home = ctx.home();
        Accounts accounts = Accounts.open(home);
        AuditTrail audit = ctx.audit(); // the one the plugins' commands write to as well
        PrintWriter log = ctx.err();
        List<RestRoutes> routes = ctx.extensions(RestRoutes.class);
        ServerHost host = ServerHost.start(options, ctx, routes, accounts, audit, log, () -> Instant.now().getEpochSecond());
        long pid = ProcessHandle.current().pid();
        ServerFiles.write(home, pid, host.url());
        CountDownLatch forever = new CountDownLatch(1);
        // registered last, so closed first (SIGTERM or Ctrl-C closes the shell): no request runs while the
        // plugins' resources (the routes' control plane) and the audit trail are closed after it
        ctx.onClose(() -> {
            host.log("stopping");
            host.close();
            ServerFiles.removeIfOurs(home, pid);
            accounts.close();
            host.log("stopped");
        });
        ctx.out().println("cms server running at " + host.url() + " (PID " + pid + ")");
        ctx.out().flush();
        host.log("PID " + pid + ", home " + home + ", " + routes.size() + " plugin route set(s)");
        try {
            forever.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private int runInBackground(ServerOptions options, Path tls) {
        Path home = ctx.home();
        if (options.port() != 0) checkFree(options.bind(), options.port());
        ServerFiles.removeStale(home);
        Path log = home.resolve(ServerFiles.LOG);
        try {
            ServerFiles.rotateLog(home);
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // appended to
        } catch (IOException e) {
            throw new CmsException("cannot create " + log + ": " + e.getMessage(), e);
        }
        long logStart;
        try {
            logStart = Files.size(log);
        } catch (IOException e) {
            logStart = 0;
        }
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid"); // not killed with the shell's terminal
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String opts = System.getenv("CMS_SERVER_JAVA_OPTS");
        if (opts == null || opts.isBlank()) opts = "-XX:+UseSerialGC -Xms32m -Xmx192m -XX:MaxMetaspaceSize=128m -Xss512k -XX:-UsePerfData";
        for (String o : opts.strip().split("\\s+")) cmd.add(o);
        // on Java 24+ the launcher allows native access and Unsafe (else every use warns): so does the server
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--enable-native-access=") || a.startsWith("--sun-misc-unsafe-memory-access=")) cmd.add(a);
        }
        if (ctx.dist() != null) cmd.add("-Dcms.dist=" + ctx.dist());
        for (String p : List.of("org.sqlite.lib.path", "org.sqlite.lib.name")) { // the launcher's unpacked native SQLite
            String v = System.getProperty(p);
            if (v != null) cmd.add("-D" + p + "=" + v);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.cloudmesh.cms.app.Main");
        cmd.addAll(List.of("--home", home.toString(), "server", "start", "--foreground", "--bind", options.bind(),
                "--port", Integer.toString(options.port()), "--threads", Integer.toString(options.threads()),
                "--key-lifetime", (options.keyLifetimeSeconds() / 60) + "m"));
        if (tls != null) cmd.addAll(List.of("--tls", tls.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("CMS_DEBUG");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CmsException("cannot start the server process: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Optional<ServerFiles.Running> r = ServerFiles.read(home);
            if (r.isPresent() && new ServerPid(r.get().pid(), r.get().url()).alive() && answers(r.get().url())) {
                ctx.out().println("cms server running at " + r.get().url() + " (PID " + r.get().pid() + "; log: " + log + ")");
                if (noUsers(home)) ctx.out().println("no users yet: add one with 'admin user add NAME --project PROJECT'");
                ctx.out().flush();
                return 0;
            }
            if (!p.isAlive()) {
                throw new CmsException("the server did not start: " + lastError(log, logStart) + " (see " + log + ")");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroy();
        throw new CmsException("the server did not answer within 90 s; it was stopped (see " + log + ")");
    }

    private static boolean noUsers(Path home) {
        try (Accounts a = Accounts.open(home)) {
            return a.list().isEmpty();
        } catch (CmsException e) {
            return false;
        }
    }

    private static void checkFree(String bind, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            throw new CmsException("port " + port + " on " + bind + " is in use (or the address is not this machine's): choose another with --port");
        }
    }

    private static boolean answers(String url) {
        try {
            URI u = URI.create(url);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 1000);
                return true;
            }
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The last "ERROR:" line the server wrote to its log since {@code from}, else its last line. */
    private static String lastError(Path log, long from) {
        try {
            String all = Files.readString(log);
            String mine = all.length() > from ? all.substring((int) from) : "";
            String last = "it exited without a message";
            for (String line : mine.split("\n")) {
                if (line.startsWith("ERROR:")) return line.substring(6).strip();
                if (!line.isBlank()) last = line.strip();
            }
            return last;
        } catch (IOException e) {
            return "it exited";
        }
    }

    @Command(name = "status", description = "Say whether the server runs, with its URL and PID.")
    int status() {
        Optional<ServerFiles.Running> r = ServerFiles.running(ctx.home());
        if (r.isPresent()) {
            ctx.out().println("cms server running at " + r.get().url() + " (PID " + r.get().pid() + ")");
        } else {
            boolean stale = ServerFiles.read(ctx.home()).isPresent();
            ctx.out().println("cms server stopped" + (stale ? " (it did not stop cleanly: its PID file was left behind)" : ""));
        }
        return 0;
    }

    @Command(name = "stop", description = "Stop the server (SIGTERM, then SIGKILL after 15 s).")
    int stop() {
        Path home = ctx.home();
        Optional<ServerFiles.Running> r = ServerFiles.running(home);
        if (r.isEmpty()) {
            ServerFiles.removeStale(home);
            ctx.out().println("cms server is not running");
            return 0;
        }
        long pid = r.get().pid();
        ProcessHandle p = ProcessHandle.of(pid).orElse(null);
        if (p != null) {
            p.destroy();
            try {
                p.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
                try {
                    p.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    throw new CmsException("the server (PID " + pid + ") does not stop, even on SIGKILL");
                }
            }
        }
        ServerFiles.removeStale(home);
        ctx.out().println("cms server stopped (PID " + pid + ")");
        return 0;
    }
}
