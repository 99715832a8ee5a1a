package org.cloudmesh.cms.comet.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.comet.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Known answer: 23,000 requests (the paper's size) with lognormal waits from a fixed seed, exported as sacct -P,
 * imported, analysed: the printed percentiles equal an independent nearest-rank computation; the PNG is written.
 */
class WaitStatsTest {
    @TempDir
    Path home;
    @TempDir
    Path dir;
    TestContext cms;

    @BeforeEach
    void shell() {
        cms = new TestContext(home);
    }

    @AfterEach
    void close() {
        cms.close();
    }

    void ok(String... words) {
        int rc = cms.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + cms.printed() + cms.errText());
    }

    String fails(String... words) {
        int rc = cms.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + cms.printed() + cms.errText());
        String err = cms.errText().strip();
        assertTrue(err.startsWith("ERROR: ") && err.lines().count() == 1, err);
        return err;
    }

    /** Writes n jobs (JobID|JobName|Account|Submit|Start|End|State|NNodes), returns the waits in seconds. */
    static List<Long> export(Path file, int n, long seed) throws Exception {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        lines.add("JobID|JobName|Account|Submit|Start|End|State|NNodes");
        List<Long> waits = new ArrayList<>();
        LocalDateTime t = LocalDateTime.of(2017, 1, 2, 0, 0, 0);
        for (int i = 0; i < n; i++) {
            t = t.plusSeconds(r.nextInt(60));                                  // ~8 days of January
            long wait = Math.round(Math.exp(5.0 + 1.6 * r.nextGaussian()));  // lognormal, median ~150 s
            waits.add(wait);
            LocalDateTime start = t.plusSeconds(wait);
            lines.add((1000 + i) + "|vc-cs-" + i + "|csd123|" + t + fmtSec(t) + "|" + start + fmtSec(start) + "|"
                    + start.plusHours(2) + fmtSec(start.plusHours(2)) + "|COMPLETED|" + (1 + r.nextInt(4)));
            if (i % 1000 == 0) lines.add((1000 + i) + ".batch|batch|csd123|" + t + fmtSec(t) + "|" + start + fmtSec(start) + "|Unknown|COMPLETED|1");
        }
        lines.add("99999|never|csd123|2017-01-30T00:00:00|Unknown|Unknown|PENDING|1");
        Files.write(file, lines);
        return waits;
    }

    /** LocalDateTime.toString drops ":00" seconds; sacct always prints them. */
    static String fmtSec(LocalDateTime t) {
        return t.getSecond() == 0 && t.getNano() == 0 ? ":00" : "";
    }

    /** Nearest rank, independently: BigDecimal ceiling of p*n/100 on a boxed, Collections-sorted list. */
    static long expected(List<Long> sorted, int p) {
        int rank = new BigDecimal(p).multiply(new BigDecimal(sorted.size())).divide(new BigDecimal(100), 0, RoundingMode.CEILING).intValueExact();
        return sorted.get(rank - 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void percentilesOf23000RequestsEqualAnIndependentComputation() throws Exception {
        Path file = dir.resolve("comet2017.txt");
        List<Long> waits = export(file, 23_000, 2017);
        ok("stats", "import", file.toString());
        assertEquals("Imported 23001 jobs from " + file + " as 'comet2017' (1 never started); see 'comet stats wait --cluster comet2017'\n",
                cms.printed());
        Path png = dir.resolve("waits.png");
        ok("stats", "wait", "--cluster", "comet2017", "--output", "json", "--plot", png.toString());
        Map<String, Object> got = new Yaml().load(cms.printed());
        List<Long> sorted = new ArrayList<>(waits);
        Collections.sort(sorted);
        assertEquals(23_000, got.get("count"));
        assertEquals(1, got.get("not_started"));
        assertEquals(sorted.get(0), ((Number) got.get("min")).longValue());
        assertEquals(expected(sorted, 50), ((Number) got.get("median")).longValue());
        assertEquals(expected(sorted, 75), ((Number) got.get("p75")).longValue());
        assertEquals(expected(sorted, 90), ((Number) got.get("p90")).longValue());
        assertEquals(expected(sorted, 99), ((Number) got.get("p99")).longValue());
        assertEquals(sorted.get(sorted.size() - 1), ((Number) got.get("max")).longValue());
        double mean = waits.stream().mapToLong(Long::longValue).average().orElseThrow();
        assertEquals(Math.round(mean * 10) / 10.0, ((Number) got.get("mean")).doubleValue(), 1e-9);

        Files.copy(png, Path.of("target", "waits-23000.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);  // to look at
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1000, img.getWidth());
        assertEquals(30 + 3 * 380, img.getHeight());
        assertTrue(cms.errText().contains("Wrote " + png));

        // the terminal view: summary table and three chart lines
        ok("stats", "wait", "--cluster", "comet2017");
        String out = cms.printed();
        assertTrue(out.contains("| median ") && out.contains(expected(sorted, 50) + " s ("), out);
        assertTrue(out.contains("wait per request (submission order") && out.contains("CDF, log time"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("  ") && l.strip().length() == 60 && l.strip().chars().allMatch(c -> c >= 0x2581 && c <= 0x2588)), out);

        // a period: only January 4 and 5
        ok("stats", "wait", "--cluster", "comet2017", "--since", "2017-01-04", "--until", "2017-01-06", "--output", "json");
        Map<String, Object> part = new Yaml().load(cms.printed());
        assertTrue((Integer) part.get("count") > 1000 && (Integer) part.get("count") < 23_000, cms.printed());
    }

    @Test
    void badInputSaysWhereAndChangesNothing() throws Exception {
        Path good = dir.resolve("small.txt");
        export(good, 10, 1);
        ok("stats", "import", good.toString());
        ok("stats", "wait", "--output", "json");
        String before = cms.printed();

        Path noStart = Files.writeString(dir.resolve("nostart.txt"), "JobID|JobName|Submit|End\n1|a|2017-01-01T00:00:00|Unknown\n");
        assertEquals("ERROR: " + noStart + " line 1: missing column Start (the header has JobID|JobName|Submit|End;"
                + " export with sacct -P --format=JobID,JobName,Account,Submit,Start,End,State,NNodes)",
                fails("stats", "import", noStart.toString()));
        Path shortRow = Files.writeString(dir.resolve("short.txt"),
                "JobID|Submit|Start|State\n1|2017-01-01T00:00:00|2017-01-01T00:01:00|COMPLETED\n2|2017-01-01T00:00:00\n");
        assertEquals("ERROR: " + shortRow + " line 3: 2 fields where the header has 4 (column Start is missing)",
                fails("stats", "import", shortRow.toString()));
        Path badDate = Files.writeString(dir.resolve("date.txt"), "JobID|Submit|Start\n1|yesterday|2017-01-01T00:01:00\n");
        assertEquals("ERROR: " + badDate + " line 2 column Submit: 'yesterday' is not a date (YYYY-MM-DDTHH:MM:SS)",
                fails("stats", "import", badDate.toString()));
        assertTrue(fails("stats", "import", dir.resolve("missing.txt").toString()).contains("no such file"));
        assertEquals("ERROR: --since 2017-02-01 is not before --until 2017-01-01: swap them",
                fails("stats", "wait", "--since", "2017-02-01", "--until", "2017-01-01"));
        assertTrue(fails("stats", "wait", "--since", "Jan 1").contains("is not a date"));
        assertEquals("ERROR: cannot write /proc/waits.png: cannot create a file in /proc",
                fails("stats", "wait", "--plot", "/proc/waits.png"), "one line, no stack trace from ImageIO");
        ok("stats", "wait", "--output", "json");
        assertEquals(before, cms.printed(), "nothing changed");
    }

    @Test
    void nearestRankOnSmallSets() {
        long[] s = {15, 20, 35, 40, 50};
        assertEquals(35, WaitStats.nearestRank(s, 50));
        assertEquals(20, WaitStats.nearestRank(s, 30));
        assertEquals(50, WaitStats.nearestRank(s, 100));
        assertEquals(15, WaitStats.nearestRank(s, 1));
        assertEquals("1h 02m 03s", WaitStats.human(3723));
        assertTrue(Printer.json(Map.of("a", 1)).contains("\"a\""));
    }

    /** The terminal charts: the top block means the largest wait, and a CDF that reached all requests. */
    @Test
    void terminalChartsUseTheFullBlockForTheMaximumAndForAll() {
        assertEquals(7, Plots.eighth(1, 1));
        assertEquals(0, Plots.eighth(0, 1));
        assertEquals(3, Plots.eighth(50, 100));
        assertEquals(6, Plots.eighth(87, 100));
        assertEquals(7, Plots.eighth(88, 100));
        String one = Plots.terminal(new WaitStats(new long[] {100}, new long[] {1}), 10);
        assertEquals(List.of("\u2588", "\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2588",
                "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"), chartLines(one));
        long[] submit = new long[1000];
        long[] wait = new long[1000];
        for (int i = 0; i < 1000; i++) {
            submit[i] = i;
            wait[i] = i + 1;
        }
        List<String> lines = chartLines(Plots.terminal(new WaitStats(submit, wait), 40));
        assertTrue(lines.get(0).endsWith("\u2588") && lines.get(0).startsWith("\u2581"), lines.toString());
        for (String cdf : lines.subList(1, 3)) {
            assertTrue(cdf.endsWith("\u2588"), "a CDF ends at all requests: " + cdf);
            for (int i = 1; i < cdf.length(); i++) assertTrue(cdf.charAt(i) >= cdf.charAt(i - 1), "a CDF never falls: " + cdf);
        }
    }

    /**
     * 1, 2 and all-equal waits (and waits of 0 s) plot as charts a reader can use: axes of a sensible span with
     * distinct labels, and a visible line in each panel, where JFreeChart's own ranges gave a sliver of an axis
     * (1.5E0 sixteen times, ±5E-9) and empty CDF panels.
     */
    @Test
    void smallAndDegenerateWaitsPlotSensibly() throws Exception {
        for (long[] waits : List.of(new long[] {0}, new long[] {42}, new long[] {5, 7}, new long[] {30, 30, 30, 30},
                new long[] {0, 0}, new long[] {7200})) {
            String what = java.util.Arrays.toString(waits);
            long[] submit = new long[waits.length];
            for (int i = 0; i < waits.length; i++) submit[i] = 1000 + i;
            WaitStats stats = new WaitStats(submit, waits);
            Plots.Views v = Plots.views(stats);
            org.jfree.chart.JFreeChart[] charts = Charts.charts(v.unit(), v.per(), v.cdf(), v.logCdf());
            org.jfree.data.Range requests = charts[0].getXYPlot().getDomainAxis().getRange();
            assertEquals(0.5, requests.getLowerBound(), 1e-9, what);
            assertEquals(waits.length + 0.5, requests.getUpperBound(), 1e-9, what);
            assertTrue(((org.jfree.chart.axis.NumberAxis) charts[0].getXYPlot().getDomainAxis()).getTickUnit().getSize() >= 1,
                    "whole requests as ticks: " + what);
            for (int i = 0; i < 2; i++) {
                org.jfree.data.Range wait = (i == 0 ? charts[0].getXYPlot().getRangeAxis() : charts[1].getXYPlot().getDomainAxis()).getRange();
                assertTrue(wait.getLowerBound() <= 0 && wait.getLowerBound() > -0.05 * wait.getUpperBound(), what + " " + wait);
                assertTrue(wait.getUpperBound() >= Math.max(1, java.util.Arrays.stream(waits).max().orElseThrow() / (waits[0] >= 7200 ? 3600.0 : 1)) * 0.99,
                        "the wait axis spans 0 .. the longest wait: " + what + " " + wait);
            }
            org.jfree.data.Range log = charts[2].getXYPlot().getDomainAxis().getRange();
            assertTrue(log.getLowerBound() > 0.5 && log.getLowerBound() <= 1 && log.getUpperBound() >= 10, "a decade at least: " + what + " " + log);

            Path png = dir.resolve("small.png");
            Plots.png(stats, "Wait from request to start", png);
            BufferedImage img = ImageIO.read(png.toFile());
            assertTrue(pixels(img, 0, Charts.PER) > 0, "the wait of each request shows: " + what);
            assertTrue(pixels(img, 1, Charts.CDF) > 100, "the CDF is drawn: " + what);
            assertTrue(pixels(img, 2, Charts.LOG_CDF) > 100, "the CDF on log time is drawn: " + what);
        }
    }

    /** Pixels of colour c in panel 0..2 of the PNG. */
    static int pixels(BufferedImage img, int panel, java.awt.Color c) {
        int n = 0;
        for (int y = 30 + panel * Charts.HEIGHT; y < 30 + (panel + 1) * Charts.HEIGHT; y++) {
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) n++;
        }
        return n;
    }

    /** No request: a sentence and the counts, no statistics of nothing; a plot says why there is none. */
    @Test
    void noRequestsSaysSoAndPlotsNothing() throws Exception {
        ok("stats", "wait", "--no-slurm");
        String out = cms.printed();
        assertTrue(out.startsWith("No started requests: no statistics to show.\n"), out);
        assertTrue(out.contains("| count ") && !out.contains("median"), out);
        ok("stats", "wait", "--no-slurm", "--output", "json");
        Map<String, Object> got = new Yaml().load(cms.printed());
        assertEquals(0, got.get("count"));
        assertTrue(got.containsKey("median") && got.get("median") == null, cms.printed());
        Path png = dir.resolve("none.png");
        assertEquals("ERROR: no started requests for nothing to plot: " + png + " not written",
                fails("stats", "wait", "--no-slurm", "--cluster", "nothing", "--plot", png.toString()));
        assertTrue(!Files.exists(png));
    }

    /** One request: the summary reads "0 s", not "0 s (0s)"; a wait from a minute on gets its 1m 15s form. */
    @Test
    void oneRequestReadsPlainly() throws Exception {
        Path file = dir.resolve("one.txt");
        Files.write(file, List.of("JobID|JobName|Account|Submit|Start|End|State|NNodes",
                "1|a|acct|2017-01-02T00:00:00|2017-01-02T00:00:00|2017-01-02T01:00:00|COMPLETED|1"));
        ok("stats", "import", file.toString());
        ok("stats", "wait", "--cluster", "one", "--no-slurm");
        String out = cms.printed();
        assertTrue(out.contains(" 0 s ") && out.contains(" 0.0 s "), out);
        assertTrue(!out.contains("(0s)"), out);
        Files.write(file, List.of("JobID|JobName|Account|Submit|Start|End|State|NNodes",
                "2|b|acct|2017-01-02T00:00:00|2017-01-02T00:01:15|2017-01-02T01:00:00|COMPLETED|1"));
        ok("stats", "import", file.toString(), "--name", "two");
        ok("stats", "wait", "--cluster", "two", "--no-slurm");
        assertTrue(cms.printed().contains(" 75 s (1m 15s) "), cms.printed());
    }

    /** The chart lines of Plots.terminal (each under its caption, indented by two spaces). */
    static List<String> chartLines(String text) {
        return text.lines().filter(l -> l.startsWith("  ")).map(String::strip).toList();
    }
}
