package org.cloudmesh.cms.comet.lifetime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.PromptNotice;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.remote.RemoteService;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Store;
import org.pf4j.Extension;

/**
 * The interactive shell's warning before a computeset of the active endpoint ends ({@link Warnings}): read from
 * this machine's store (no ssh), or asked of the cms server at most every {@link #REMOTE_EVERY_S} seconds.
 */
@Extension
public final class LifetimeNotice implements PromptNotice {
    /** A remote endpoint is asked at most this often: the prompt must not wait for a server each time. */
    static final long REMOTE_EVERY_S = 30;

    private final Warnings warnings = new Warnings();
    private Store store;
    private long lastRemote = Long.MIN_VALUE / 2;

    @Override
    public synchronized List<String> notices(Context ctx) {
        var config = ctx.config();
        String name = config.getString(Endpoint.ROOT + ".active").orElse(null);
        if (name == null) return List.of();
        long now = Instant.now().getEpochSecond();
        if (RemoteService.isRemote(config, name)) {
            if (now - lastRemote < REMOTE_EVERY_S) return List.of();
            lastRemote = now;
            return due(RemoteService.open(config, name), now);
        }
        Path db = ctx.home().resolve("comet.db");
        if (store == null) {
            if (!Files.exists(db)) return List.of();   // comet never used here: create nothing
            store = Store.open(db);
        }
        return warnings.due(store.computesets(new Store.CsFilter(name, null, EnumSet.of(CsState.RUNNING), null)), now);
    }

    /** The lines due at {@code now} (epoch seconds) for the running sets {@code s} lists, in either mode. */
    public List<String> due(CometService s, long now) {
        List<Computeset> running = s.computesets(null, EnumSet.of(CsState.RUNNING), null);
        return warnings.due(running, now);
    }
}
