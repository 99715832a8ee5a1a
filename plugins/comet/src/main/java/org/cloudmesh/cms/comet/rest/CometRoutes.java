package org.cloudmesh.cms.comet.rest;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.ControlPlane;
import org.pf4j.Extension;

/**
 * The Nucleus-compatible comet API of {@code cms server} (paths under {@value Nucleus#BASE}, see {@link Nucleus}),
 * and the comet reconciliation loop.
 *
 * <p>The loop runs here, on one daemon thread, because a server is the one process that is always up on the
 * management node: computesets must follow Slurm (walltime reached, job failed) and their VMs must start and stop
 * even when no client asks. The loop stops when the server's context closes; its thread is a daemon so that it never
 * keeps the JVM of a stopped server alive; the store is crash-safe, so being cut off in the middle of a round loses nothing (the
 * next round, or the next command, finishes it).
 */
@Extension
public final class CometRoutes implements RestRoutes {
    @Override
    public void routes(RestApi api, Context ctx) {
        Comet comet = ControlPlane.of(ctx);
        Nucleus n = new Nucleus(ctx, comet);
        n.register(api);
        api.console("comet", n::consoleTarget);
        api.console(Nucleus.SERIAL, n::serialTarget);
        int removed = n.removeUnfinishedUploads();
        if (removed > 0) {
            ctx.err().println("comet: removed " + removed + " file(s) of ISO uploads a stopped server left unfinished");
            ctx.err().flush();
        }
        Duration every = n.reconcileInterval();
        ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "comet-reconcile");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(n::reconcileAll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        ctx.onClose(loop::shutdownNow); // after the control plane was held: stopped before it closes
    }
}
