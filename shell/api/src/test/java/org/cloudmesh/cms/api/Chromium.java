package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium (Debian's package, installed by scripts/test) driven over the DevTools protocol with the JDK's
 * own HTTP and WebSocket clients: open a page, evaluate JavaScript in it, take a screenshot. Started with the flags
 * this machine kind needs (no sandbox as root, no background networking) and a fresh profile; stopped by its PID.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final String devtools;
    private final HttpClient http = HttpClient.newHttpClient();

    private Chromium(Process process, String devtools) {
        this.process = process;
        this.devtools = devtools;
    }

    /** Starts a browser whose profile lives in {@code dir}; fails the test when Chromium is not installed. */
    public static Chromium start(Path dir) throws IOException {
        assertTrue(Files.isExecutable(BINARY), "no " + BINARY + ": scripts/test installs Debian's chromium");
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("profile"), "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--window-size=1024,768", "about:blank")).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        StringBuilder seen = new StringBuilder();
        for (String line; System.nanoTime() < deadline && (line = r.readLine()) != null; ) {
            seen.append(line).append('\n');
            int at = line.indexOf("DevTools listening on ws://");
            if (at >= 0) {
                URI u = URI.create(line.substring(at + "DevTools listening on ".length()).strip());
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // Chromium's log, not needed
                        }
                    } catch (IOException e) {
                        // it stopped
                    }
                }, "chromium-log");
                drain.setDaemon(true);
                drain.start();
                return new Chromium(p, "http://" + u.getHost() + ":" + u.getPort());
            }
        }
        p.destroyForcibly();
        throw new AssertionError("Chromium did not start its DevTools endpoint within 30 s:\n" + seen);
    }

    /** A new tab showing {@code url}. */
    public Page open(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(devtools + "/json/new?" + URLEncoder.encode(url, StandardCharsets.UTF_8)))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode target = JSON.readTree(r.body());
        Listener l = new Listener();
        return new Page(http.newWebSocketBuilder().buildAsync(URI.create(target.get("webSocketDebuggerUrl").asText()), l).join(), l);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Listener implements WebSocket.Listener {
        final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
        final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(partial.toString());
                    if (m.has("id")) {
                        CompletableFuture<JsonNode> f = waiting.remove(m.get("id").asInt());
                        if (f != null) f.complete(m);
                    }
                } catch (IOException e) {
                    // not a message of ours
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }

    /** One tab. */
    public static final class Page {
        private final WebSocket ws;
        private final Listener listener;
        private final AtomicInteger ids = new AtomicInteger();

        Page(WebSocket ws, Listener listener) {
            this.ws = ws;
            this.listener = listener;
        }

        /** Calls a DevTools method; the result, or an AssertionError with the protocol's error. */
        public JsonNode call(String method, Map<String, Object> params) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            listener.waiting.put(id, f);
            ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
            m.set("params", JSON.valueToTree(params));
            ws.sendText(m.toString(), true).join();
            JsonNode r = f.orTimeout(30, TimeUnit.SECONDS).join();
            if (r.has("error")) throw new AssertionError(method + ": " + r.get("error"));
            return r.get("result");
        }

        /** The value of a JavaScript expression (awaited when it is a promise), as JSON. */
        public JsonNode eval(String expression) {
            JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
            return r.path("result").path("value");
        }

        /** Waits up to {@code timeout} for a JavaScript expression to be true. */
        public boolean await(String expression, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (eval(expression).asBoolean(false)) return true;
                Thread.sleep(100);
            }
            return false;
        }

        /** A PNG of the page as shown. */
        public byte[] screenshot() {
            return Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png")).get("data").asText());
        }
    }
}
