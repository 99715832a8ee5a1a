package org.cloudmesh.cms.comet.cmd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.lifetime.Lifetime;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet reservation list|create|delete}: Slurm reservations, e.g. nodes kept for a class at 09:00. */
@Command(name = "reservation", description = {"Slurm reservations: nodes kept for a time window (a class on Tuesday at 09:00).",
        "Start a computeset inside one with 'comet start CLUSTER --count N --reservation NAME'."},
        subcommands = {ReservationCommand.List_.class, ReservationCommand.Create.class, ReservationCommand.Delete.class})
final class ReservationCommand implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("name", "nodes", "start", "end", "users", "accounts", "state");

    @ParentCommand
    CometCommand parent;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(parent.ctx.out());
        return 0;
    }

    @Command(name = "list", description = "List the endpoint's reservations: name, nodes, start, end, users, accounts, state.")
    static final class List_ extends CometCommand.Sub {
        @ParentCommand
        ReservationCommand parent;
        @Mixin
        OutputOption output;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SlurmClient.Reservation r : svc().reservations()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", r.name());
                row.put("nodes", r.nodes());
                row.put("start", Views.time(r.start()));
                row.put("end", Views.time(r.end()));
                row.put("users", r.users());
                row.put("accounts", r.accounts());
                row.put("state", r.state());
                rows.add(row);
            }
            ctx().printer(output.format).list(COLUMNS, rows);
            return 0;
        }
    }

    @Command(name = "create", description = {"Reserve nodes for a time window (administrators: runs as the endpoint's Slurm"
            + " operator account).", "Slurm's refusal (nodes busy, overlapping reservations) is quoted."})
    static final class Create extends CometCommand.Sub {
        @ParentCommand
        ReservationCommand parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "The reservation's name: letters, digits, '.', '_', '-'") String name;
        @Option(names = "--nodes", required = true, paramLabel = "N", description = "How many nodes to reserve") int nodes;
        @Option(names = "--start", required = true, paramLabel = "TIME", description = "When it starts: 09:00, now+1hour, 2026-12-24T09:00")
        String start;
        @Option(names = "--duration", required = true, paramLabel = "DURATION", description = "How long: 90m, 3h, 1d (as --walltime)")
        String duration;
        @Option(names = "--accounts", paramLabel = "A", split = ",", description = "Accounts (allocations) that may use it"
                + " (default: the endpoint's account)") List<String> accounts;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            var d = Walltime.parse(duration);
            CometService s = svc();
            audited(s, "comet reservation create " + name + " --nodes " + nodes + " --start " + start + " --duration " + duration
                    + (accounts == null ? "" : " --accounts " + String.join(",", accounts)), null, "reservation " + name, () -> {
                s.createReservation(new Lifetime.ReservationRequest(name, nodes, start, d, accounts));
                return null;
            });
            ctx().out().println("reservation " + name + " created: " + nodes + " node(s) from " + start + " for " + Walltime.format(d));
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a reservation (administrators).")
    static final class Delete extends CometCommand.Sub {
        @ParentCommand
        ReservationCommand parent;
        @Parameters(index = "0", paramLabel = "NAME", description = "The reservation") String name;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            CometService s = svc();
            audited(s, "comet reservation delete " + name, null, "reservation " + name, () -> {
                s.deleteReservation(name);
                return null;
            });
            ctx().out().println("reservation " + name + " deleted");
            return 0;
        }
    }
}
