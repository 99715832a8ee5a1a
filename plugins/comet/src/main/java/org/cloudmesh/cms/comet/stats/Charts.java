package org.cloudmesh.cms.comet.stats;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultXYDataset;

/** The JFreeChart part of {@link Plots} (loaded only when a PNG is asked for). */
final class Charts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 380;

    private Charts() {
    }

    static void draw(Path file, String title, String unit, double[][] per, double[][] cdf, double[][] logCdf) {
        Plots.write(render(WIDTH, HEIGHT, title, unit, per, cdf, logCdf), file);
    }

    /**
     * Draws a small throw-away chart and encodes it as PNG into nothing: a fresh JVM spends most of a first plot
     * loading JFreeChart, the fonts and the PNG writer, and this does that while the command reads the waits.
     */
    static void warmUp() throws java.io.IOException {
        double[][] two = {{1, 2}, {1, 2}};
        BufferedImage img = render(200, 120, "warm-up", "seconds", two, two, two);
        javax.imageio.ImageIO.write(img, "png", java.io.OutputStream.nullOutputStream());
    }

    private static BufferedImage render(int width, int height, String title, String unit, double[][] per, double[][] cdf,
                                        double[][] logCdf) {
        BufferedImage img = new BufferedImage(width, 30 + 3 * height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        Plots.title(g, title, width);

        for (int i = 0; i < 3; i++) {
            charts(unit, per, cdf, logCdf)[i].draw(g, Plots.rect(0, 30 + i * height, width, height));
        }
        g.dispose();
        return img;
    }

    static final Color PER = new Color(31, 119, 180);
    static final Color CDF = new Color(214, 39, 40);
    static final Color LOG_CDF = new Color(44, 160, 44);

    /**
     * The three charts, with ranges set from the data rather than left to JFreeChart, whose automatic range of a
     * single value is a sliver (labels such as 1.5E0 repeated, or ±5E-9): requests from 0.5 to n + 0.5 with whole
     * numbers as ticks, waits from 0, and a log axis of at least one decade.
     */
    static JFreeChart[] charts(String unit, double[][] per, double[][] cdf, double[][] logCdf) {
        NumberAxis reqX = new NumberAxis("request (submission order)");
        reqX.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        reqX.setRange(0.5, max(per[0]) + 0.5);
        NumberAxis reqY = new NumberAxis("wait (" + unit + ")");
        double top = max(per[1]);
        reqY.setRange(0, top > 0 ? top * 1.05 : 1);
        JFreeChart one = chart("Wait per request", reqX, reqY, per, false, PER);

        // the CDFs get a little room beyond 0 and 1, so that a step at a wait of 0, or the line at all requests,
        // does not hide in the frame of the plot
        NumberAxis cdfX = new NumberAxis("wait (" + unit + ")");
        cdfX.setRange(-0.02 * max(cdf[0]), max(cdf[0]));
        NumberAxis cdfY = new NumberAxis("fraction of requests");
        cdfY.setRange(0, 1.04);
        JFreeChart two = chart("Empirical CDF of the wait", cdfX, cdfY, cdf, true, CDF);

        LogAxis logX = new LogAxis("wait (seconds, log scale)");
        logX.setBase(10);
        logX.setSmallestValue(0.8);
        logX.setRange(0.8, Math.max(10, max(logCdf[0])));
        logX.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));   // one label per power of ten
        NumberAxis logY = new NumberAxis("fraction of requests");
        logY.setRange(0, 1.04);
        JFreeChart three = chart("Empirical CDF of the wait, log time axis", logX, logY, logCdf, true, LOG_CDF);
        return new JFreeChart[] {one, two, three};
    }

    private static double max(double[] values) {
        double m = 0;
        for (double v : values) m = Math.max(m, v);
        return m;
    }

    private static JFreeChart chart(String title, org.jfree.chart.axis.ValueAxis x, org.jfree.chart.axis.ValueAxis y,
                                    double[][] data, boolean step, Color color) {
        DefaultXYDataset ds = new DefaultXYDataset();
        ds.addSeries(title, data);
        // few requests: each one also a dot, so that a lone request (a line of no length) still shows
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, !step && data[0].length <= 120);
        r.setSeriesPaint(0, color);
        r.setSeriesStroke(0, new BasicStroke(step ? 2f : 1f));
        XYPlot plot = new XYPlot(ds, x, y, r);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(220, 220, 220));
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        JFreeChart c = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        c.setBackgroundPaint(Color.WHITE);
        c.setPadding(new org.jfree.chart.ui.RectangleInsets(2, 8, 2, 24));   // room for the last tick label on the right
        return c;
    }
}
