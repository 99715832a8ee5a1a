package org.cloudmesh.cms.comet.stats;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.cloudmesh.cms.api.CmsException;

/**
 * The paper's three views of the waits: per request in submission order, the empirical CDF, and the CDF on a log
 * time axis — as one PNG (JFreeChart, headless) and as three compact lines of block characters for the terminal.
 * Large data sets are reduced before drawing (min and max per pixel column; the CDF at 2,000 ranks), so a million
 * requests plot as fast as a thousand.
 */
public final class Plots {
    static final int BUCKETS = 1500;
    static final int CDF_POINTS = 2000;

    private Plots() {
    }

    /** Chooses a time unit for an axis by the largest value: seconds, minutes or hours. */
    record Unit(String name, double seconds) {
        static Unit of(long maxSeconds) {
            if (maxSeconds >= 3 * 3600) return new Unit("hours", 3600);
            if (maxSeconds >= 3 * 60) return new Unit("minutes", 60);
            return new Unit("seconds", 1);
        }
    }

    /**
     * Starts loading the charting code on a daemon thread (see {@link Charts#warmUp}); the caller goes on reading
     * the waits. Failing here changes nothing: the real plot reports its own errors.
     */
    public static void warmUp() {
        imaging();
        Thread t = new Thread(() -> {
            try {
                Charts.warmUp();
            } catch (Exception | LinkageError ignored) {
                // the real plot will say what is wrong
            }
        }, "plot-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Headless Java2D; PNGs encoded in memory (ImageIO's cache file in /tmp would also seed SecureRandom). */
    private static void imaging() {
        System.setProperty("java.awt.headless", "true");
        ImageIO.setUseCache(false);
    }

    public static void png(WaitStats s, String title, Path file) {
        imaging();
        Views v = views(s);
        WaitStats.Summary sum = s.summary();
        int n = s.count();
        Charts.draw(file, title + " — " + n + (n == 1 ? " request" : " requests") + "; median "
                + WaitStats.human(sum.median()) + ", p90 " + WaitStats.human(sum.p90()) + ", max "
                + WaitStats.human(sum.max()), v.unit(), v.per(), v.cdf(), v.logCdf());
    }

    /** The data of the three charts: x and y series, waits in {@code unit}. */
    record Views(String unit, double[][] per, double[][] cdf, double[][] logCdf) {
    }

    static Views views(WaitStats s) {
        int n = s.count();
        if (n == 0) throw new CmsException("no waits to plot");
        WaitStats.Summary sum = s.summary();
        Unit u = Unit.of(sum.max());
        // view 1: wait per request, min and max per bucket
        int buckets = Math.min(BUCKETS, n);
        double[][] per = new double[2][buckets * 2];
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            long lo = Long.MAX_VALUE;
            long hi = Long.MIN_VALUE;
            for (int i = from; i < to; i++) {
                lo = Math.min(lo, s.wait[i]);
                hi = Math.max(hi, s.wait[i]);
            }
            double x = (from + 1 + to) / 2.0;   // requests from+1 .. to: a lone request at its own number
            per[0][2 * b] = x;
            per[1][2 * b] = lo / u.seconds();
            per[0][2 * b + 1] = x;
            per[1][2 * b + 1] = hi / u.seconds();
        }
        // views 2 and 3: the empirical CDF at evenly spaced ranks, drawn as steps from 0 (a lone wait is a step
        // from 0 to 1, not a single point that draws nothing), out to the end of the axis
        int k = Math.min(CDF_POINTS, n);
        double xEnd = sum.max() > 0 ? sum.max() / u.seconds() * 1.05 : 1;
        double logEnd = Math.max(10, sum.max() * 2.0);
        double[][] cdf = new double[2][2 * k + 2];
        double[][] logCdf = new double[2][2 * k + 2];
        cdf[0][0] = 0;
        logCdf[0][0] = 1;
        double before = 0;
        for (int j = 0; j < k; j++) {
            int rank = (int) Math.max(1, Math.round((double) (j + 1) * n / k));
            long w = s.sorted[rank - 1];
            double y = (double) rank / n;
            cdf[0][2 * j + 1] = w / u.seconds();
            cdf[1][2 * j + 1] = before;
            cdf[0][2 * j + 2] = w / u.seconds();
            cdf[1][2 * j + 2] = y;
            logCdf[0][2 * j + 1] = Math.max(w, 1);
            logCdf[1][2 * j + 1] = before;
            logCdf[0][2 * j + 2] = Math.max(w, 1);
            logCdf[1][2 * j + 2] = y;
            before = y;
        }
        cdf[0][2 * k + 1] = xEnd;
        cdf[1][2 * k + 1] = 1;
        logCdf[0][2 * k + 1] = logEnd;
        logCdf[1][2 * k + 1] = 1;
        return new Views(u.name(), per, cdf, logCdf);
    }

    /** Eight heights of block characters. */
    static final char[] BLOCKS = {'\u2581', '\u2582', '\u2583', '\u2584', '\u2585', '\u2586', '\u2587', '\u2588'};

    /** Three lines for the terminal: waits per request (max per column), CDF on linear and on log time. */
    public static String terminal(WaitStats s, int width) {
        int n = s.count();
        if (n == 0) return "";
        StringBuilder out = new StringBuilder();
        WaitStats.Summary sum = s.summary();
        int cols = Math.min(width, n);
        long max = Math.max(1, sum.max());
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cols; c++) {
            int from = (int) ((long) c * n / cols);
            int to = (int) ((long) (c + 1) * n / cols);
            long hi = 0;
            for (int i = from; i < to; i++) hi = Math.max(hi, s.wait[i]);
            line.append(BLOCKS[eighth(hi, max)]);
        }
        out.append(String.format("wait per request (submission order, max per column, top = %s)%n  %s%n", WaitStats.human(sum.max()), line));
        line.setLength(0);
        for (int c = 0; c < width; c++) {
            long t = max * (c + 1) / width;
            line.append(BLOCKS[cdfLevel(s.sorted, t)]);
        }
        out.append(String.format("CDF, linear time 0 .. %s%n  %s%n", WaitStats.human(max), line));
        line.setLength(0);
        double lo = Math.log(Math.max(1, s.sorted[0]));
        double hi = Math.log(max);
        if (hi <= lo) hi = lo + 1;
        for (int c = 0; c < width; c++) {
            long t = (long) Math.floor(Math.exp(lo + (hi - lo) * (c + 1) / width) + 1e-9);
            line.append(BLOCKS[cdfLevel(s.sorted, t)]);
        }
        out.append(String.format("CDF, log time %s .. %s%n  %s%n", WaitStats.human(Math.exp(lo)), WaitStats.human(max), line));
        return out.toString();
    }

    /**
     * 0..7: the block whose height is part/whole rounded up to an eighth (a half is the half block, the whole the
     * full block; nothing shows as the lowest, as the terminal has no empty block of the same width).
     */
    static int eighth(long part, long whole) {
        if (whole <= 0) return 0;
        return (int) Math.max(0, Math.min(7, (part * 8 + whole - 1) / whole - 1));
    }

    /** 0..7: the share of waits <= t, in eighths (a full block = all). */
    private static int cdfLevel(long[] sorted, long t) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return eighth(lo, sorted.length);
    }

    /** The title strip above the three charts (Charts draws them without JFreeChart's own titles). */
    static void title(Graphics2D g, String text, int w) {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(text, 12, 22);
        g.setStroke(new BasicStroke(1));
    }

    /** Writes beside the target, then renames: a failed plot leaves the old file, never half a PNG. */
    static void write(BufferedImage img, Path file) {
        Path parent = file.toAbsolutePath().getParent();
        // named by process, not by Files.createTempFile, whose random name costs a fresh JVM ~30 ms of SecureRandom
        Path tmp = parent.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(parent);
            // encoded in memory, then written by us: ImageIO given a File it cannot open prints a stack trace
            java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream(1 << 17);
            if (!ImageIO.write(img, "png", png)) throw new IOException("no PNG writer");
            Files.write(tmp, png.toByteArray());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException x) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the message below names the real failure
            }
            String why = x instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : x instanceof java.nio.file.NoSuchFileException ? "cannot create a file in " + parent
                    : x.getMessage();
            throw new CmsException("cannot write " + file + ": " + why, x);
        }
    }

    static Rectangle2D rect(int x, int y, int w, int h) {
        return new Rectangle2D.Double(x, y, w, h);
    }
}
