package org.cloudmesh.cms.api.console;

import java.io.InputStream;
import java.io.OutputStream;

/** A node's graphical console, found when a link is opened: how to reach its VNC display, and whether it still runs. */
public interface ConsoleTarget {
    /** Opens a byte stream to the VNC server (RFB). @throws org.cloudmesh.cms.api.CmsException when it cannot be reached */
    Stream connect();

    /** Whether the node still runs; polled during a session, which ends when it stops. */
    boolean running();

    /** A connection to the display. */
    interface Stream extends AutoCloseable {
        InputStream in();

        OutputStream out();

        @Override
        void close();
    }
}
