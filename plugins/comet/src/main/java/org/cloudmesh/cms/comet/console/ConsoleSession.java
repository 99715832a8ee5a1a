package org.cloudmesh.cms.comet.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicReference;
import org.cloudmesh.cms.api.CmsException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.Stream;

/**
 * A domain's serial console through a libvirt stream: bytes from {@code in} go to the guest, the guest's output
 * goes to {@code out}, until {@link #ESCAPE} (Ctrl-]) is read from {@code in}, {@code in} ends, or the guest's
 * console closes. The same keys as {@code virsh console}.
 */
public final class ConsoleSession implements AutoCloseable {
    /** Ctrl-] leaves the console. */
    public static final int ESCAPE = 0x1d;
    /** VIR_DOMAIN_CONSOLE_FORCE: take the console over from another client. */
    public static final int FORCE = 1;

    private final Stream stream;
    private final String name;
    private volatile boolean closed;

    private ConsoleSession(Stream stream, String name) {
        this.stream = stream;
        this.name = name;
    }

    /** Opens the first serial console of a running domain. */
    public static ConsoleSession open(Connect c, String domain, boolean force) {
        Stream st;
        try {
            st = c.streamNew(0);
        } catch (LibvirtException x) {
            throw new CmsException("cannot create a libvirt stream: " + x.getMessage(), x);
        }
        try {
            Domain d = c.domainLookupByName(domain);
            try {
                LibvirtNative.openConsole(d, null, st, force ? FORCE : 0);
            } finally {
                d.free();
            }
        } catch (LibvirtException | RuntimeException x) {
            try {
                st.free();
            } catch (LibvirtException ignored) {
                // freeing
            }
            if (x instanceof CmsException cx) throw cx;
            throw new CmsException("cannot open the console of " + domain + ": " + x.getMessage(), x);
        }
        return new ConsoleSession(st, domain);
    }

    /** Sends bytes to the guest's console. */
    public void send(byte[] b) {
        try {
            stream.send(b);
        } catch (LibvirtException x) {
            throw new CmsException("console of " + name + ": " + x.getMessage(), x);
        }
    }

    /** Blocks for guest output: the number of bytes read into b, or -1 when the console ended. */
    public int receive(byte[] b) {
        try {
            int n = stream.receive(b);
            return n == 0 ? -1 : n;
        } catch (LibvirtException x) {
            if (closed) return -1;
            throw new CmsException("console of " + name + ": " + x.getMessage(), x);
        }
    }

    /**
     * Copies both ways until Ctrl-] on {@code in}, the end of {@code in}, or the end of the console. Returns why it
     * ended: "escape", "input closed" or "console closed".
     */
    public String pump(InputStream in, OutputStream out) throws IOException {
        AtomicReference<String> ended = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = receive(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                ended.compareAndSet(null, "console closed");
            } catch (IOException | CmsException x) {
                ended.compareAndSet(null, closed ? "console closed" : x.getMessage());
            }
        }, "comet-console");
        reader.setDaemon(true);
        reader.start();
        return type(in, ended, this::send);
    }

    /**
     * Sends what is typed on {@code in} with {@code send} until Ctrl-] ("escape"), the end of {@code in} ("input
     * closed"), or until {@code ended} says why the other side stopped; returns why. Polls {@code in}, so that the
     * other side's end is noticed while nobody types. The same for a local console and one through a server.
     */
    static String type(InputStream in, AtomicReference<String> ended, java.util.function.Consumer<byte[]> send) throws IOException {
        byte[] buf = new byte[256];
        while (ended.get() == null) {
            if (in.available() == 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    ended.compareAndSet(null, "interrupted");
                    break;
                }
                continue;
            }
            int n = in.read(buf, 0, Math.min(buf.length, in.available()));
            if (n < 0) {
                ended.compareAndSet(null, "input closed");
                break;
            }
            int esc = -1;
            for (int i = 0; i < n; i++) if (buf[i] == ESCAPE) { esc = i; break; }
            if (esc >= 0) {
                if (esc > 0) send.accept(java.util.Arrays.copyOf(buf, esc));
                ended.compareAndSet(null, "escape");
                break;
            }
            send.accept(java.util.Arrays.copyOf(buf, n));
        }
        return ended.get();
    }

    /** This console as a byte stream (for a server that carries it over a WebSocket); closing it closes the console. */
    public org.cloudmesh.cms.api.console.ConsoleTarget.Stream stream() {
        InputStream in = new InputStream() {
            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 255;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                byte[] buf = new byte[Math.min(len, 4096)];
                int n = receive(buf);
                if (n > 0) System.arraycopy(buf, 0, b, off, n);
                return n;
            }
        };
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                send(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                send(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        return org.cloudmesh.cms.api.console.ConsoleTarget.Stream.of(in, out, this::close);
    }

    @Override
    public void close() {
        closed = true;
        try {
            stream.abort();
        } catch (LibvirtException ignored) {
            // already ended
        }
        try {
            stream.free();
        } catch (LibvirtException ignored) {
            // freed
        }
    }
}
