package org.cloudmesh.cms.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import org.cloudmesh.cms.api.console.ConsoleTarget;
import org.cloudmesh.cms.api.libvirt.Graphics;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's page and WebSocket against a stand-in VNC server on loopback (it answers the RFB banner and
 * echoes): a link opens once; a forged, expired, or foreign-project link and a stopped node get a plain page; a
 * WebSocket without the page's key is closed; the stream is carried both ways; power-off ends the session.
 */
class WebConsoleTest {
    @TempDir
    Path home;

    final AtomicBoolean on = new AtomicBoolean(true);

    @Test
    void aLinkOpensOnceAndCarriesTheDisplayUntilTheNodeStops() throws Exception {
        try (ServerSocket vnc = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             TestServer s = TestServer.start(home.resolve("h"), routes(vnc.getLocalPort()))) {
            s.addUser("alice", "pw-alice-123", false, "p1");
            Thread display = echo(vnc);
            String token = ConsoleLinks.issue(s.home, link("p1", "alice", 60));
            TestServer.Reply page = s.request("GET", "/console/" + token, null, java.util.Map.of());
            assertEquals(200, page.status(), page.body());
            assertTrue(page.body().contains("import RFB from '/novnc/core/rfb.js'"), page.body());
            assertEquals(200, s.request("GET", "/novnc/core/rfb.js", null, java.util.Map.of()).status(), "noVNC is in the jar");
            assertTrue(refusal(s, token).contains("used already"));
            Matcher key = Pattern.compile("/console-session/([0-9a-f]{48})").matcher(page.body());
            assertTrue(key.find());

            // without the page's key: closed, nothing proxied
            Client forged = connect(s, "00" + key.group(1).substring(2));
            assertEquals(1008, forged.closed.get(5, TimeUnit.SECONDS));

            Client c = connect(s, key.group(1));
            assertEquals("RFB 003.008\n", c.text(12));
            c.ws.sendBinary(ByteBuffer.wrap("hello".getBytes()), true).join();
            assertEquals("hello", c.text(5));
            on.set(false);
            assertEquals(1000, c.closed.get(10, TimeUnit.SECONDS), "power-off ends the session");
            display.join(5000);
            assertTrue(s.audit.query("alice", null, null).stream().anyMatch(e -> e.result().endsWith("vm-vc1-0 of vc1 stopped running")),
                    "the end is audited");

            assertTrue(refusal(s, "0123456789abcdef0123456789abcdef0123456789abcdef").contains("not valid"));
            assertTrue(refusal(s, ConsoleLinks.issue(s.home, link("p1", "alice", -1))).contains("expired"));
            assertTrue(refusal(s, ConsoleLinks.issue(s.home, link("p2", "alice", 60))).contains("which user alice is not in"));
            assertTrue(refusal(s, ConsoleLinks.issue(s.home, link("p1", "alice", 60))).contains("is not running"));
        }
    }

    /**
     * A serial console link (kind *-serial) answers its WebSocket as JSON for a terminal client; a session without
     * input ends after console_idle, audited.
     */
    @Test
    void aSerialLinkAnswersItsWebSocketAndAnIdleSessionEnds() throws Exception {
        try (ServerSocket vnc = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             TestServer s = TestServer.start(home.resolve("h"), java.util.Map.of("cloudmesh.server.console_idle", "1s"),
                     routes(vnc.getLocalPort(), "test-serial"))) {
            s.addUser("alice", "pw-alice-123", false, "p1");
            Thread display = echo(vnc);
            ConsoleLink serial = new ConsoleLink("test-serial", "vc1", "vm-vc1-0", "p1", "alice", Instant.now().plusSeconds(60));
            TestServer.Reply page = s.request("GET", "/console/" + ConsoleLinks.issue(s.home, serial), null, java.util.Map.of());
            assertEquals(200, page.status(), page.body());
            Matcher key = Pattern.compile("^\\{\"session\": \"/console-session/([0-9a-f]{48})\"}$").matcher(page.body());
            assertTrue(key.find(), page.body());
            Client c = connect(s, key.group(1));
            assertEquals("RFB 003.008\n", c.text(12));
            long t0 = System.nanoTime();
            assertEquals(1000, c.closed.get(10, TimeUnit.SECONDS), "no input: the session ends");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "within the idle time and one watch round");
            display.join(5000);
            assertTrue(s.audit.query("alice", null, null).stream().anyMatch(e -> e.result().endsWith("no input for 1 s")),
                    "the end is audited");
        }
    }

    private RestRoutes routes(int port) {
        return routes(port, "test");
    }

    private RestRoutes routes(int port, String kind) {
        return (api, ctx) -> api.console(kind, l -> {
            if (!on.get()) throw new CmsException(l.what() + " is not running");
            return ConsoleTarget.of(() -> new Graphics("vnc", "127.0.0.1", port).connect("qemu:///session", home.resolve("known_hosts")),
                    on::get);
        });
    }

    static ConsoleLink link(String project, String user, int seconds) {
        return new ConsoleLink("test", "vc1", "vm-vc1-0", project, user, Instant.now().plusSeconds(seconds));
    }

    static String refusal(TestServer s, String token) throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(s.host.url() + "/console/" + token)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        return r.body();
    }

    /** A display that says the RFB banner, then echoes. */
    static Thread echo(ServerSocket server) {
        Thread t = new Thread(() -> {
            try (Socket c = server.accept(); InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                out.write("RFB 003.008\n".getBytes());
                out.flush();
                in.transferTo(out);
            } catch (java.io.IOException e) {
                // the session ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    record Client(WebSocket ws, java.util.concurrent.LinkedBlockingQueue<Byte> in, CompletableFuture<Integer> closed) {
        String text(int n) throws InterruptedException {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < n; i++) {
                Byte x = in.poll(5, TimeUnit.SECONDS);
                if (x == null) break;
                b.append((char) (x & 255));
            }
            return b.toString();
        }
    }

    static Client connect(TestServer s, String key) {
        var in = new java.util.concurrent.LinkedBlockingQueue<Byte>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(s.host.url().replace("http", "ws")
                + "/console-session/" + key), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                        while (data.hasRemaining()) in.add(data.get());
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                        closed.complete(status);
                        return null;
                    }
                }).join();
        return new Client(ws, in, closed);
    }
}
