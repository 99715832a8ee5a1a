package org.cloudmesh.cms.comet.stats;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.cloudmesh.cms.comet.cmd.CometRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code comet stats wait|import}. */
@Command(name = "stats", description = "Wait-time analytics: how long requests for nodes waited for Slurm.",
        subcommands = {StatsCommand.Wait.class, StatsCommand.Import.class})
public final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(CometRoot.context(spec).out());
        return 0;
    }

    @Command(name = "wait", description = {
        "Per request the wait from submission to start: Slurm's Submit and Start (sacct, joined to the computesets by"
            + " job id), else the times the store recorded; plus jobs imported with 'comet stats import'.",
        "Prints count, mean, min, median, p75, p90, p99, max (seconds) and three small charts: the wait per request in"
            + " submission order, the empirical CDF, and the CDF on a log time axis; --plot writes them as a PNG.",
        "Percentiles are nearest-rank: the p-th percentile of n sorted waits is the one at rank ceil(p*n/100);"
            + " the median is p50. Requests that have not started are counted apart."})
    static final class Wait implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CometCommand.EndpointOption endpointOption;
        @Mixin
        OutputOption output;
        @Option(names = "--cluster", paramLabel = "C", description = "Only this cluster (or this import source).")
        String cluster;
        @Option(names = "--since", paramLabel = "DATE", description = "Requests submitted at or after DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], local time).")
        String since;
        @Option(names = "--until", paramLabel = "DATE", description = "Requests submitted before DATE.")
        String until;
        @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the three views as a PNG.")
        Path plot;
        @Option(names = "--no-slurm", description = "Do not ask Slurm (sacct); use the store's times.")
        boolean noSlurm;

        @Override
        public Integer call() {
            Context ctx = CometRoot.context(spec);
            if (cluster != null) Names.require("cluster", cluster);
            Long from = date("--since", since);
            Long to = date("--until", until);
            if (from != null && to != null && from >= to) {
                throw new CmsException("--since " + since + " is not before --until " + until + ": swap them");
            }
            if (plot != null && !plot.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
                throw new CmsException("--plot " + plot + ": name a .png file");
            }
            if (plot != null) Plots.warmUp();
            Comet comet = CometRoot.comet(spec);
            Endpoint e = null;
            if (!noSlurm) {
                try {
                    e = CometRoot.backend(spec, endpointOption).direct().endpoint();
                } catch (CmsException x) {
                    if (endpointOption.endpoint != null) throw x;
                }
            }
            Waits.Result r = Waits.load(comet, e, cluster, from, to, ctx.err());
            WaitStats.Summary s = r.stats().summary();
            Format f = ctx.format(output.format);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", s.count());
            m.put("not_started", r.notStarted());
            if (s.count() == 0) {
                // no waits, no statistics: null for a script, and no "median 0 s" for a reader
                if (f != Format.TABLE) for (String k : List.of("mean", "min", "median", "p75", "p90", "p99", "max")) m.put(k, null);
            } else if (f == Format.TABLE) {
                // seconds, and from a minute on also as 1m 15s (under a minute the two say the same)
                m.put("mean", String.format("%.1f s", s.mean()) + (s.mean() >= 59.5 ? " (" + WaitStats.human(s.mean()) + ")" : ""));
                for (Map.Entry<String, Long> x : values(s).entrySet()) {
                    m.put(x.getKey(), x.getValue() + " s" + (x.getValue() >= 60 ? " (" + WaitStats.human(x.getValue()) + ")" : ""));
                }
            } else {
                m.put("mean", Math.round(s.mean() * 10) / 10.0);
                m.putAll(values(s));
            }
            String selection = (cluster != null ? " for " + cluster : "") + (from != null || to != null ? " in that period" : "");
            if (s.count() == 0 && f == Format.TABLE) {
                ctx.out().println("No started requests" + selection + (r.notStarted() > 0 ? " (" + r.notStarted()
                        + " not started yet)" : "") + ": no statistics to show.");
            }
            ctx.printer(f).attributes(m);
            if (f == Format.TABLE && s.count() > 0) {
                ctx.out().print(Plots.terminal(r.stats(), 60));
            }
            if (plot != null) {
                if (s.count() == 0) throw new CmsException("no started requests" + selection + " to plot: " + plot + " not written");
                Plots.png(r.stats(), "Wait from request to start" + (cluster != null ? " — " + cluster : ""), plot);
                ctx.err().println("Wrote " + plot);
                ctx.err().flush();
            }
            ctx.out().flush();
            return 0;
        }

        static Map<String, Long> values(WaitStats.Summary s) {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("min", s.min());
            m.put("median", s.median());
            m.put("p75", s.p75());
            m.put("p90", s.p90());
            m.put("p99", s.p99());
            m.put("max", s.max());
            return m;
        }

        static Long date(String option, String v) {
            if (v == null) return null;
            ZoneId z = ZoneId.systemDefault();
            try {
                if (v.length() == 10) return LocalDate.parse(v).atStartOfDay(z).toEpochSecond();
                return LocalDateTime.parse(v).atZone(z).toEpochSecond();
            } catch (DateTimeParseException x) {
                throw new CmsException(option + " '" + v + "' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]");
            }
        }
    }

    @Command(name = "import", description = {"Read a 'sacct -P' export (pipe-separated, header line; columns JobID, Submit, Start"
        + " required, JobName, Account, End, State, NNodes used when present) from another system into the store.",
        "Export with: sacct -a -P -X -S 2017-01-01 --format=" + Sacct.FORMAT + " > jobs.txt"})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--name", paramLabel = "NAME", description = "The source name 'stats wait --cluster' selects (default: the file name without extension).")
        String name;
        @Parameters(index = "0", paramLabel = "FILE", description = "The sacct -P export to read.") Path file;

        @Override
        public Integer call() {
            Context ctx = CometRoot.context(spec);
            String source = name;
            if (source == null) {
                source = file.getFileName().toString();
                int dot = source.lastIndexOf('.');
                if (dot > 0) source = source.substring(0, dot);
            }
            Names.require("source", source);
            int[] r = Waits.importFile(CometRoot.comet(spec).store(), file, source);
            ctx.out().println("Imported " + r[0] + " jobs from " + file + " as '" + source + "' (" + r[1]
                    + " never started); see 'comet stats wait --cluster " + source + "'");
            ctx.out().flush();
            return 0;
        }
    }
}
