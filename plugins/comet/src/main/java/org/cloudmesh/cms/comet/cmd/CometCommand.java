package org.cloudmesh.cms.comet.cmd;

import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Completion;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.ControlPlane;
import org.cloudmesh.cms.comet.DirectService;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.remote.RemoteService;
import org.cloudmesh.cms.comet.store.CsState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code comet}: virtual clusters on Slurm and libvirt. Holds the context and the control plane for its subcommands. */
@Command(name = "comet", description = {"Virtual clusters: computesets on Slurm, VMs on libvirt.",
        "Each compute VM gets an InfiniBand SR-IOV virtual function passed through."},
        subcommands = {ActiveCommand.class, LlCommand.class, ClusterCommand.class, ComputesetCommand.class,
                NodeCommand.class, StartCommand.class, ReservationCommand.class, org.cloudmesh.cms.comet.remote.InitCommand.class, TerminateCommand.class, PowerCommand.class, WatchCommand.class,
                org.cloudmesh.cms.comet.iso.IsoCommand.class,
                org.cloudmesh.cms.comet.console.ConsoleCommand.class,
                org.cloudmesh.cms.comet.stats.StatsCommand.class},
        footer = {"", "The endpoint is cloudmesh.comet.active unless --endpoint names another (see 'comet active').",
            "An endpoint of kind 'remote' (made by 'comet init') sends every command to a cms server; the others"
                + " drive Slurm and libvirt from this machine."})
public final class CometCommand implements Callable<Integer>, Completion {
    private static final List<CsState> ACTIVE = java.util.Arrays.stream(CsState.values()).filter(CsState::active).toList();
    final Context ctx;

    @Spec
    CommandSpec spec;

    public CometCommand(Context ctx) {
        this.ctx = ctx;
    }

    /** For picocli's reflection (never used by the shell). */
    public CometCommand() {
        this(null);
    }

    /** The shell's context (for the subcommands in other packages: iso, console, rename, stats). */
    public Context context() {
        return ctx;
    }

    /** The control plane of this process and home, shared with the server's routes (opened on first use). */
    public Comet service() {
        return comet();
    }

    /**
     * The comet operations for one command: through the cms server when the endpoint ({@code --endpoint}, else the
     * active one) is of kind remote, else on this machine.
     */
    public CometService backend(String endpointOption) {
        var config = ctx.config();
        String name = endpointOption != null ? endpointOption : config.getString(Endpoint.ROOT + ".active").orElse(null);
        if (RemoteService.isRemote(config, name)) return RemoteService.open(config, name);
        return new DirectService(comet(), Endpoint.select(config, endpointOption));
    }

    Comet comet() {
        return ControlPlane.of(ctx);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(ctx.out());
        return 0;
    }

    /**
     * TAB in the REPL: the active endpoint's cluster names for CLUSTER, computeset ids for ID (the active ones for
     * terminate). From this machine's store only: a remote endpoint offers nothing rather than a request per key.
     */
    @Override
    public List<String> candidates(String command, String paramLabel) {
        try {
            var config = ctx.config();
            if (RemoteService.isRemote(config, config.getString(Endpoint.ROOT + ".active").orElse(null))) return List.of();
            String endpoint;
            try {
                endpoint = Endpoint.select(config, null).name();
            } catch (CmsException noEndpoint) {
                endpoint = null;
            }
            var store = comet().store();
            return switch (paramLabel) {
                case "CLUSTER" -> store.clusters(endpoint).stream().map(c -> c.name()).toList();
                case "ID" -> store.computesets(new org.cloudmesh.cms.comet.store.Store.CsFilter(endpoint, null,
                                command.endsWith("terminate") ? ACTIVE : null, null))
                        .stream().map(cs -> Long.toString(cs.id())).toList();
                default -> List.of();
            };
        } catch (RuntimeException e) {
            return List.of(); // a hint only: an unreadable store is reported by the command itself
        }
    }

    /** {@code --endpoint} on every subcommand. */
    public static final class EndpointOption {
        @Option(names = "--endpoint", paramLabel = "ENDPOINT", description = "Comet endpoint (default: cloudmesh.comet.active)")
        public String endpoint;
    }

    /** Common base of the subcommands: the endpoint, the context and the control plane. */
    abstract static class Sub implements Callable<Integer> {
        @Mixin
        EndpointOption endpointOption;

        abstract CometCommand root();

        Context ctx() {
            return root().ctx;
        }

        Comet comet() {
            return root().comet();
        }

        CometService svc() {
            return root().backend(endpointOption.endpoint);
        }

        /**
         * Runs a state change and, in direct mode, records it in the audit trail with its result (a cms server
         * records the requests it serves itself).
         */
        <T> T audited(CometService s, String action, String cluster, String target, java.util.function.Supplier<T> change) {
            if (!(s instanceof DirectService)) return change.get();
            String result = "ok";
            try {
                return change.get();
            } catch (RuntimeException x) {
                result = x.getMessage();
                throw x;
            } finally {
                ctx().audit().record(new org.cloudmesh.cms.api.audit.AuditEntry(java.time.Instant.now(),
                        System.getProperty("user.name"), "local", action, cluster, target, result));
            }
        }
    }
}
