package org.cloudmesh.cms.api.console;

import java.io.InputStream;
import java.io.OutputStream;

/** A node's graphical console, found when a link is opened: how to reach its VNC display, and whether it still runs. */
public interface ConsoleTarget {
    /** Opens a byte stream to the VNC server (RFB). @throws org.cloudmesh.cms.api.CmsException when it cannot be reached */
    Stream connect();

    /** Whether the node still runs; polled during a session, which ends when it stops. */
    boolean running();

    /** A target that connects with {@code connect} and runs while {@code running} says so. */
    static ConsoleTarget of(java.util.function.Supplier<Stream> connect, java.util.function.BooleanSupplier running) {
        return new ConsoleTarget() {
            @Override
            public Stream connect() {
                return connect.get();
            }

            @Override
            public boolean running() {
                return running.getAsBoolean();
            }
        };
    }

    /** A connection to the display. */
    interface Stream extends AutoCloseable {
        InputStream in();

        OutputStream out();

        @Override
        void close();

        /** A stream of {@code in} and {@code out}, ended by {@code close}. */
        static Stream of(InputStream in, OutputStream out, Runnable close) {
            return new Stream() {
                @Override
                public InputStream in() {
                    return in;
                }

                @Override
                public OutputStream out() {
                    return out;
                }

                @Override
                public void close() {
                    close.run();
                }
            };
        }
    }
}
