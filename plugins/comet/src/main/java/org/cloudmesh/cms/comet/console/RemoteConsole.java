package org.cloudmesh.cms.comet.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.cloudmesh.cms.api.CmsException;

/**
 * A node's serial console through a cms server: the server's WebSocket carries the console's bytes both ways. The
 * same keys as on the management node ({@link ConsoleSession}): Ctrl-] leaves.
 */
public final class RemoteConsole implements AutoCloseable {
    private final WebSocket ws;
    private final AtomicReference<String> ended;

    private RemoteConsole(WebSocket ws, AtomicReference<String> ended) {
        this.ws = ws;
        this.ended = ended;
    }

    /** Connects to the console's WebSocket; the guest's output goes to {@code out} from now on. */
    public static RemoteConsole open(URI uri, OutputStream out) {
        AtomicReference<String> ended = new AtomicReference<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    ended.compareAndSet(null, "output closed");
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                ended.compareAndSet(null, reason == null || reason.isBlank() ? "console closed" : reason);
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                ended.compareAndSet(null, "connection lost: " + error.getMessage());
            }
        };
        CompletableFuture<WebSocket> f = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, listener);
        try {
            return new RemoteConsole(f.get(15, TimeUnit.SECONDS), ended);
        } catch (ExecutionException | TimeoutException e) {
            throw new CmsException("cannot open the serial console at " + uri.getHost() + ":" + uri.getPort() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : "no answer in 15 s"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted");
        }
    }

    /**
     * Sends {@code in} to the guest until Ctrl-] (returns "escape"), the end of {@code in} ("input closed"), or the
     * server ends the session (its reason: the node stopped, idle, ...).
     */
    public String pump(InputStream in) throws IOException {
        return ConsoleSession.type(in, ended, b -> send(b, b.length));
    }

    private void send(byte[] b, int n) {
        try {
            ws.sendBinary(ByteBuffer.wrap(b, 0, n).duplicate(), true).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            ended.compareAndSet(null, "connection lost");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) ws.sendClose(WebSocket.NORMAL_CLOSURE, "left");
        ws.abort();
    }
}
