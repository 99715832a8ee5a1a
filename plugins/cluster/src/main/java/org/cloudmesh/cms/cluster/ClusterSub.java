package org.cloudmesh.cms.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.audit.AuditEntry;
import picocli.CommandLine.ParentCommand;

/** Common base of the {@code cluster} subcommands: the context, the service and the audit trail. */
abstract class ClusterSub implements Callable<Integer> {
    @ParentCommand
    ClusterCommand parent;

    Context ctx() {
        return parent.ctx;
    }

    Clusters clusters() {
        return new Clusters(ctx());
    }

    /** The service, waiting up to {@code --wait} seconds for the VMs' addresses. */
    Clusters clusters(double waitSeconds) {
        Clusters c = clusters();
        c.addressWait = seconds(waitSeconds, "--wait");
        return c;
    }

    /** Runs a state change and records it in the audit trail: who, the command, the cluster and nodes, the result. */
    <T> T audited(String action, String cluster, String nodes, Supplier<T> change) {
        String result = "ok";
        try {
            return change.get();
        } catch (RuntimeException e) {
            result = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw e;
        } finally {
            ctx().audit().record(new AuditEntry(java.time.Instant.now(), System.getProperty("user.name"),
                    "local", action, cluster, nodes, result));
        }
    }

    static Duration seconds(double s, String option) {
        if (!(s > 0) || s > 1e6) throw new CmsException(option + " " + s + ": give a positive number of seconds");
        return Duration.ofMillis((long) (s * 1000));
    }
}
