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

        NumberAxis reqX = new NumberAxis("request (submission order)");
        reqX.setAutoRangeIncludesZero(false);
        NumberAxis reqY = new NumberAxis("wait (" + unit + ")");
        chart("Wait per request", reqX, reqY, per, false, new Color(31, 119, 180)).draw(g, Plots.rect(0, 30, width, height));

        NumberAxis cdfX = new NumberAxis("wait (" + unit + ")");
        NumberAxis cdfY = new NumberAxis("fraction of requests");
        cdfY.setRange(0, 1.0);
        chart("Empirical CDF of the wait", cdfX, cdfY, cdf, true, new Color(214, 39, 40)).draw(g, Plots.rect(0, 30 + height, width, height));

        LogAxis logX = new LogAxis("wait (seconds, log scale)");
        logX.setBase(10);
        logX.setSmallestValue(1);
        logX.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0));   // one label per power of ten
        NumberAxis logY = new NumberAxis("fraction of requests");
        logY.setRange(0, 1.0);
        chart("Empirical CDF of the wait, log time axis", logX, logY, logCdf, true, new Color(44, 160, 44))
                .draw(g, Plots.rect(0, 30 + 2 * height, width, height));
        g.dispose();
        return img;
    }

    private static JFreeChart chart(String title, org.jfree.chart.axis.ValueAxis x, org.jfree.chart.axis.ValueAxis y,
                                    double[][] data, boolean step, Color color) {
        DefaultXYDataset ds = new DefaultXYDataset();
        ds.addSeries(title, data);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, color);
        r.setSeriesStroke(0, new BasicStroke(step ? 2f : 1f));
        XYPlot plot = new XYPlot(ds, x, y, r);
        plot.setOrientation(PlotOrientation.VERTICAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(220, 220, 220));
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        JFreeChart c = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        c.setBackgroundPaint(Color.WHITE);
        return c;
    }
}
