package org.cloudmesh.cms.app.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.cloudmesh.cms.api.rest.RequestSigner;

/**
 * The load generator of {@code scripts/bench-server}: C keep-alive HTTP/1.1 connections, each sending signed GETs
 * (fresh nonce and timestamp each, as a real client) back to back for a warm-up and then a measured period; prints
 * requests/s and latency percentiles of the measured period. Plain HTTP on loopback only.
 *
 * <p>It lives in the test sources, so the runtime jar carries no benchmark: bench-server runs it from cms-app's test-jar.
 *
 * <pre>java -cp CLASSPATH org.cloudmesh.cms.app.server.LoadGenerator URL KEY SECRET PATH CONNECTIONS WARMUP_S SECONDS</pre>
 * and, to get a key first (prints "KEY SECRET"):
 * <pre>java -cp CLASSPATH org.cloudmesh.cms.app.server.LoadGenerator getkey URL USER PASSWORD TOTP_SECRET</pre>
 */
public final class LoadGenerator {
    private LoadGenerator() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("getkey")) {
            getKey(args[1], args[2], args[3], args[4]);
            return;
        }
        if (args.length != 7) {
            System.err.println("usage: LoadGenerator URL KEY SECRET PATH CONNECTIONS WARMUP_SECONDS SECONDS");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        if (!"127.0.0.1".equals(url.getHost()) && !"localhost".equals(url.getHost())) {
            System.err.println("LoadGenerator only targets loopback");
            System.exit(2);
        }
        RequestSigner signer = new RequestSigner(args[1], args[2]);
        String path = args[3];
        int connections = Integer.parseInt(args[4]);
        long warmup = Long.parseLong(args[5]) * 1_000_000_000L;
        long measure = Long.parseLong(args[6]) * 1_000_000_000L;

        long start = System.nanoTime();
        long from = start + warmup;
        long until = from + measure;
        AtomicLong errors = new AtomicLong();
        AtomicLong firstError = new AtomicLong();
        String[] errorText = new String[1];
        long[][] latencies = new long[connections][];
        int[] counts = new int[connections];
        Thread[] threads = new Thread[connections];
        for (int c = 0; c < connections; c++) {
            final int id = c;
            threads[c] = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= until) break;
                        Map<String, String> h = signer.sign("GET", path, null, Instant.now().getEpochSecond(), RequestSigner.newNonce());
                        StringBuilder req = new StringBuilder(512).append("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
                                .append(url.getHost()).append(':').append(url.getPort()).append("\r\nAccept: application/json\r\n");
                        h.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
                        req.append("\r\n");
                        out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        int status = readResponse(in);
                        long t1 = System.nanoTime();
                        if (status != 200) {
                            if (errors.incrementAndGet() == 1) {
                                firstError.set(status);
                            }
                        }
                        if (t0 >= from) {
                            if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                            lat[n++] = t1 - t0;
                        }
                    }
                } catch (IOException e) {
                    synchronized (errorText) {
                        if (errorText[0] == null) errorText[0] = e.toString();
                    }
                    errors.incrementAndGet();
                }
                latencies[id] = lat;
                counts[id] = n;
            }, "load-" + c);
            threads[c].start();
        }
        for (Thread t : threads) t.join();
        int total = 0;
        for (int n : counts) total += n;
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < connections; c++) {
            System.arraycopy(latencies[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        double seconds = measure / 1e9;
        System.out.printf("requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d%s%n",
                total, seconds, total / seconds, pct(all, 0.50), pct(all, 0.90), pct(all, 0.99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6, errors.get(),
                errors.get() == 0 ? "" : " first_error=" + (errorText[0] != null ? errorText[0] : "HTTP " + firstError.get()));
    }

    private static void getKey(String url, String user, String password, String totpSecret) throws IOException {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(url + "/getkey").toURL().openConnection();
        c.setRequestProperty("Authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        c.setRequestProperty(RequestSigner.OTP, org.cloudmesh.cms.app.admin.Totp.codeAt(totpSecret, Instant.now().getEpochSecond()));
        int status = c.getResponseCode();
        InputStream body = status == 200 ? c.getInputStream() : c.getErrorStream();
        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        if (status != 200) {
            System.err.println("getkey: HTTP " + status + " " + text);
            System.exit(1);
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        System.out.println(json.get("key_name").asText() + " " + json.get("key").asText());
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** Reads one response (status line, headers, a Content-Length or chunked body). @return the status */
    private static int readResponse(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) throw new IOException("connection closed by the server");
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String l; !(l = line(in)).isEmpty(); ) {
            int colon = l.indexOf(':');
            if (colon < 0) continue;
            String name = l.substring(0, colon).trim();
            String value = l.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) length = Long.parseLong(value);
            else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) chunked = true;
        }
        if (chunked) {
            while (true) {
                long size = Long.parseLong(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                skip(in, size);
                line(in);
            }
        } else if (length > 0) {
            skip(in, length);
        }
        return code;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new IOException("connection closed in a body");
                s = 1;
            }
            n -= s;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                int len = b.length();
                if (len > 0 && b.charAt(len - 1) == '\r') b.setLength(len - 1);
                return b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
