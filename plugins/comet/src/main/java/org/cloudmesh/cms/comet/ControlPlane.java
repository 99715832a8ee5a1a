package org.cloudmesh.cms.comet;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.api.Context;

/**
 * The one control plane ({@link Comet}) of this process for a home, shared by the comet commands, the cluster
 * backend and the server's routes: one reconciliation lock and one thread pool cover every request (a terminate
 * never races a reconciliation of a second instance). Opened on first use; every context that uses it holds it
 * through its close hook, and the last of them to close closes it (the store, ssh sessions, libvirt connections).
 */
public final class ControlPlane {
    private static final Map<Path, Held> OPEN = new HashMap<>();

    private static final class Held {
        final Comet comet;
        final Set<Context> users = Collections.newSetFromMap(new IdentityHashMap<>());

        Held(Comet comet) {
            this.comet = comet;
        }
    }

    private ControlPlane() {
    }

    /** The control plane of {@code ctx}'s home, held until {@code ctx} closes. */
    public static synchronized Comet of(Context ctx) {
        Path home = ctx.home().toAbsolutePath().normalize();
        Held held = OPEN.computeIfAbsent(home, h -> new Held(new Comet(h)));
        if (held.users.add(ctx)) ctx.onClose(() -> release(home, held, ctx));
        return held.comet;
    }

    private static void release(Path home, Held held, Context ctx) {
        synchronized (ControlPlane.class) {
            held.users.remove(ctx);
            if (!held.users.isEmpty()) return;
            OPEN.remove(home, held);
        }
        held.comet.close();
    }
}
