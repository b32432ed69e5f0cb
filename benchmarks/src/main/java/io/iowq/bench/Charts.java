package io.iowq.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Draws a scenario's chart as SVG from its JSON results: one panel of grouped bars (median per
 * executor, grouped by case) per metric, or, where the results hold a time series, live threads
 * over time. Plain SVG 1.1, no script, readable on GitHub.
 */
final class Charts {

    /** One colour per executor, the same in every chart; iowq and its variants in greens. */
    private static final Map<String, String> COLOURS = Map.ofEntries(
            Map.entry("iowq", "#1b7837"), Map.entry("iowq bound", "#7fbf7b"), Map.entry("iowq told", "#b8e186"),
            Map.entry("iowq-timed", "#5aae61"), Map.entry("iowq-metrics", "#a6dba0"), Map.entry("boot-tpe", "#d6604d"),
            Map.entry("tpe-cpus", "#f4a582"), Map.entry("fjp", "#4393c3"), Map.entry("vthreads", "#9970ab"),
            Map.entry("boot-vthreads", "#9970ab"), Map.entry("striped", "#e08214"));
    private static final String[] SPARE = {"#878787", "#35978f", "#c51b7d", "#8c510a"};
    private static final int PLOT_H = 240;
    private static final int BAR_W = 18;
    private static final int GROUP_GAP = 26;
    private static final int LEFT = 62;
    private static final int TOP = 72;

    private Charts() {
    }

    /** The chart for one scenario's JSON results. */
    @SuppressWarnings("unchecked")
    static String draw(Map<String, Object> result) {
        if (result.containsKey("series")) {
            return lines(result, (Map<String, Object>) result.get("series"));
        }
        return bars(result);
    }

    @SuppressWarnings("unchecked")
    private static String bars(Map<String, Object> r) {
        List<Map<String, Object>> metrics = (List<Map<String, Object>>) r.get("metrics");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) r.get("cases");
        List<String> peers = peersOf(cases);
        int bars = 0;
        for (Map<String, Object> c : cases) {
            bars += ((List<?>) c.get("results")).size();
        }
        int panelW = Math.max(300, LEFT + bars * BAR_W + cases.size() * GROUP_GAP + 20);
        int width = panelW * metrics.size() + 10;
        int legendRows = (peers.size() + 3) / 4;
        int height = TOP + PLOT_H + 84 + legendRows * 18;
        StringBuilder s = header(width, height, r);
        for (int m = 0; m < metrics.size(); m++) {
            panel(s, m * panelW, metrics.get(m), cases, peers);
        }
        legend(s, peers, TOP + PLOT_H + 76, width);
        return s.append("</svg>\n").toString();
    }

    @SuppressWarnings("unchecked")
    private static void panel(StringBuilder s, int x0, Map<String, Object> metric, List<Map<String, Object>> cases,
                              List<String> peers) {
        String id = (String) metric.get("id");
        boolean log = Boolean.TRUE.equals(metric.get("log"));
        double max = 0;
        double min = Double.MAX_VALUE;
        for (Map<String, Object> c : cases) {
            for (Map<String, Object> res : (List<Map<String, Object>>) c.get("results")) {
                Double v = number(((Map<String, Object>) res.get("median")).get(id));
                if (v != null && v > 0) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        Axis axis = log ? Axis.log(min, max * 1.5) : Axis.linear(max * 1.12);
        int px = x0 + LEFT;
        text(s, x0 + LEFT, TOP - 22, 12, "start", "bold", metric.get("label") + " (" + metric.get("unit") + ")");
        text(s, x0 + LEFT, TOP - 8, 10, "start", "normal", metric.get("better") + " is better"
                + (log ? ", log scale" : ""));
        for (double t : axis.ticks) {
            int y = TOP + PLOT_H - (int) Math.round(axis.scale(t) * PLOT_H);
            s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#ddd'/>%n", px, y,
                    px + plotWidth(cases), y));
            text(s, px - 4, y + 4, 10, "end", "normal", format(t));
        }
        s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>%n", px, TOP, px,
                TOP + PLOT_H));
        int x = px + GROUP_GAP / 2;
        for (Map<String, Object> c : cases) {
            List<Map<String, Object>> results = (List<Map<String, Object>>) c.get("results");
            int groupStart = x;
            for (Map<String, Object> res : results) {
                String peer = (String) res.get("peer");
                Double v = number(((Map<String, Object>) res.get("median")).get(id));
                String color = colour(peer, peers);
                if (v == null) {
                    text(s, x + BAR_W / 2, TOP + PLOT_H - 4, 9, "middle", "normal", "–");
                } else {
                    int h = (int) Math.round(Math.max(0, axis.scale(v)) * PLOT_H);
                    s.append(String.format(Locale.ROOT,
                            "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'><title>%s: %s</title></rect>%n",
                            x, TOP + PLOT_H - h, BAR_W - 2, h, color, esc(peer), format(v)));
                    int ty = TOP + PLOT_H - h - 3;
                    s.append(String.format(Locale.ROOT,
                            "<text x='%d' y='%d' font-size='9' transform='rotate(-90 %d %d)'>%s</text>%n",
                            x + BAR_W / 2 + 3, ty, x + BAR_W / 2 + 3, ty, esc(format(v))));
                }
                x += BAR_W;
            }
            List<String> label = wrap((String) c.get("case"), Math.max(8, (x - groupStart + GROUP_GAP) / 6));
            for (int i = 0; i < label.size(); i++) {
                text(s, (groupStart + x) / 2, TOP + PLOT_H + 14 + 12 * i, 10, "middle", "normal", label.get(i));
            }
            x += GROUP_GAP;
        }
        s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#333'/>%n", px,
                TOP + PLOT_H, x - GROUP_GAP / 2, TOP + PLOT_H));
    }

    @SuppressWarnings("unchecked")
    private static int plotWidth(List<Map<String, Object>> cases) {
        int w = 0;
        for (Map<String, Object> c : cases) {
            w += ((List<?>) c.get("results")).size() * BAR_W + GROUP_GAP;
        }
        return w;
    }

    @SuppressWarnings("unchecked")
    private static String lines(Map<String, Object> r, Map<String, Object> series) {
        double interval = number(series.get("interval_ms"));
        Map<String, Object> byPeer = (Map<String, Object>) series.get("threads");
        List<String> peers = new ArrayList<>(byPeer.keySet());
        int points = 0;
        double max = 1;
        for (Object o : byPeer.values()) {
            List<Object> ys = (List<Object>) o;
            points = Math.max(points, ys.size());
            for (Object y : ys) {
                max = Math.max(max, number(y));
            }
        }
        int plotW = 720;
        int width = LEFT + plotW + 30;
        int height = TOP + PLOT_H + 70 + ((peers.size() + 3) / 4) * 18;
        StringBuilder s = header(width, height, r);
        Axis axis = Axis.linear(max);
        double spanMs = Math.max(1, (points - 1) * interval);
        text(s, LEFT, TOP - 12, 12, "start", "bold", (String) series.get("label"));
        for (double t : axis.ticks) {
            int y = TOP + PLOT_H - (int) Math.round(axis.scale(t) * PLOT_H);
            s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#ddd'/>%n", LEFT, y,
                    LEFT + plotW, y));
            text(s, LEFT - 4, y + 4, 10, "end", "normal", format(t));
        }
        for (int sec = 0; sec * 1000 <= spanMs; sec++) {
            int x = LEFT + (int) Math.round(sec * 1000 / spanMs * plotW);
            text(s, x, TOP + PLOT_H + 14, 10, "middle", "normal", sec + " s");
        }
        List<Map<String, Object>> markers = (List<Map<String, Object>>) series.getOrDefault("markers", List.of());
        for (int m = 0; m < markers.size(); m++) {
            Map<String, Object> mark = markers.get(m);
            int x = LEFT + (int) Math.round(number(mark.get("x_ms")) / spanMs * plotW);
            s.append(String.format(Locale.ROOT,
                    "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999' stroke-dasharray='4 3'/>%n", x, TOP, x,
                    TOP + PLOT_H));
            text(s, x + 3, TOP + 12 + 12 * m, 10, "start", "normal", (String) mark.get("label"));
        }
        s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#333'/>%n",
                LEFT, TOP, plotW, PLOT_H));
        for (String peer : peers) {
            List<Object> ys = (List<Object>) byPeer.get(peer);
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < ys.size(); i++) {
                int x = LEFT + (int) Math.round(i * interval / spanMs * plotW);
                int y = TOP + PLOT_H - (int) Math.round(axis.scale(number(ys.get(i))) * PLOT_H);
                pts.append(x).append(',').append(y).append(' ');
            }
            s.append(String.format(Locale.ROOT,
                    "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'><title>%s</title></polyline>%n",
                    pts.toString().trim(), colour(peer, peers), esc(peer)));
        }
        text(s, LEFT + plotW / 2, TOP + PLOT_H + 30, 10, "middle", "normal", "time since the burst was submitted");
        legend(s, peers, TOP + PLOT_H + 48, width);
        return s.append("</svg>\n").toString();
    }

    private static StringBuilder header(int width, int height, Map<String, Object> r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
                + "viewBox='0 0 %d %d' font-family='sans-serif'>%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width='%d' height='%d' fill='white'/>%n", width, height));
        text(s, 10, 20, 14, "start", "bold", "Scenario " + r.get("number") + ": " + r.get("title"));
        text(s, 10, 36, 10, "start", "normal", "medians of " + format(number(r.get("rounds"))) + " rounds, JDK "
                + r.get("jdk") + ", " + format(number(r.get("cpus"))) + " CPUs");
        return s;
    }

    private static void legend(StringBuilder s, List<String> peers, int y, int width) {
        int col = Math.max(160, (width - 20) / 4);
        for (int i = 0; i < peers.size(); i++) {
            int x = 10 + (i % 4) * col;
            int yy = y + (i / 4) * 18;
            s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>%n", x,
                    yy - 10, colour(peers.get(i), peers)));
            text(s, x + 16, yy, 11, "start", "normal", peers.get(i));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> peersOf(List<Map<String, Object>> cases) {
        Set<String> peers = new LinkedHashSet<>();
        for (Map<String, Object> c : cases) {
            for (Map<String, Object> res : (List<Map<String, Object>>) c.get("results")) {
                peers.add((String) res.get("peer"));
            }
        }
        return new ArrayList<>(peers);
    }

    private static String colour(String peer, List<String> peers) {
        return COLOURS.getOrDefault(peer, SPARE[Math.max(0, peers.indexOf(peer)) % SPARE.length]);
    }

    /** Splits {@code text} at spaces into lines of at most about {@code width} characters. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static void text(StringBuilder s, int x, int y, int size, String anchor, String weight, String text) {
        s.append(String.format(Locale.ROOT,
                "<text x='%d' y='%d' font-size='%d' text-anchor='%s' font-weight='%s'>%s</text>%n", x, y, size,
                anchor, weight, esc(text)));
    }

    private static Double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    /** A number as the charts and tables print it: three significant digits, thousands grouped. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Double.isInfinite(v)) {
            return "∞";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100 || a == Math.rint(a)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }

    /** A y axis: where values fall in [0, 1] of the plot height, and the ticks to label. */
    private static final class Axis {
        final List<Double> ticks = new ArrayList<>();
        private final boolean log;
        private final double lo;
        private final double hi;

        private Axis(boolean log, double lo, double hi) {
            this.log = log;
            this.lo = lo;
            this.hi = hi;
        }

        static Axis linear(double max) {
            if (max <= 0) {
                max = 1;
            }
            double step = Math.pow(10, Math.floor(Math.log10(max / 4)));
            for (double m : new double[] {1, 2, 2.5, 5, 10}) {
                if (max / (step * m) <= 5) {
                    step *= m;
                    break;
                }
            }
            double top = Math.ceil(max / step) * step;
            Axis a = new Axis(false, 0, top);
            for (double t = 0; t <= top + step / 2; t += step) {
                a.ticks.add(t);
            }
            return a;
        }

        static Axis log(double min, double max) {
            if (max <= 0) {
                return linear(1);
            }
            double lo = Math.pow(10, Math.floor(Math.log10(min) - 1e-9));
            double hi = Math.pow(10, Math.ceil(Math.log10(max)));
            if (hi <= lo) {
                hi = lo * 10;
            }
            Axis a = new Axis(true, lo, hi);
            for (double t = lo; t <= hi * 1.0001; t *= 10) {
                a.ticks.add(t);
            }
            return a;
        }

        double scale(double v) {
            if (log) {
                return v <= 0 ? 0 : (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
            }
            return Math.min(1, v / hi);
        }
    }
}
