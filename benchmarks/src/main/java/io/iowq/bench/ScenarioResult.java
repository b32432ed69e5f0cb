package io.iowq.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured: per case and executor, one value per round for each metric; their
 * medians, the ratio of the reference executor (iowq) to each executor, and the targets, all
 * computed from the same run. {@link #toJson()} is what the charts and tables are drawn from.
 */
final class ScenarioResult {

    /** A measured figure; {@code higherIsBetter} says how to read its ratios. */
    record Metric(String id, String label, String unit, boolean higherIsBetter, boolean logScale, boolean ratio) {
    }

    /**
     * A target on medians: {@code peer}'s median (divided by {@code versus}'s, when given) compared
     * with {@code limit} by {@code op} ({@code "<="} or {@code ">="}).
     */
    record Target(String label, String caseName, String metric, String peer, String versusCase, String versus,
                  String op, double limit) {
    }

    final String id;
    final String number;
    final String title;
    final String reference;
    private final List<Metric> metrics = new ArrayList<>();
    private final Map<String, Map<String, Map<String, List<Double>>>> values = new LinkedHashMap<>();
    private final Map<String, String> peers = new LinkedHashMap<>();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private String setup = "";
    private int rounds;

    ScenarioResult(String id, String number, String title, String reference) {
        this.id = id;
        this.number = number;
        this.title = title;
        this.reference = reference;
    }

    ScenarioResult setup(String setup) {
        this.setup = setup;
        return this;
    }

    ScenarioResult rounds(int rounds) {
        this.rounds = rounds;
        return this;
    }

    ScenarioResult metric(String id, String label, String unit, boolean higherIsBetter, boolean logScale) {
        metrics.add(new Metric(id, label, unit, higherIsBetter, logScale, true));
        return this;
    }

    /** A metric whose ratios mean nothing (a time that may never come, say): no ratio is reported. */
    ScenarioResult metricWithoutRatio(String id, String label, String unit, boolean higherIsBetter) {
        metrics.add(new Metric(id, label, unit, higherIsBetter, false, false));
        return this;
    }

    ScenarioResult peer(String name, String description) {
        peers.put(name, description);
        return this;
    }

    ScenarioResult target(String label, String caseName, String metric, String peer, String versus, String op,
                          double limit) {
        targets.add(new Target(label, caseName, metric, peer, caseName, versus, op, limit));
        return this;
    }

    /** A target on {@code peer}'s median in {@code caseName} divided by {@code versus}'s in {@code versusCase}. */
    ScenarioResult targetAcross(String label, String caseName, String metric, String peer, String versusCase,
                                String versus, String op, double limit) {
        targets.add(new Target(label, caseName, metric, peer, versusCase, versus, op, limit));
        return this;
    }

    ScenarioResult note(String note) {
        notes.add(note);
        return this;
    }

    ScenarioResult extra(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    /** Records one round's value; infinity stands for "did not happen within the window". */
    void add(String caseName, String peer, String metric, double value) {
        values.computeIfAbsent(caseName, k -> new LinkedHashMap<>())
                .computeIfAbsent(peer, k -> new LinkedHashMap<>())
                .computeIfAbsent(metric, k -> new ArrayList<>())
                .add(value);
    }

    double median(String caseName, String peer, String metric) {
        Map<String, Map<String, List<Double>>> byPeer = values.get(caseName);
        if (byPeer == null || !byPeer.containsKey(peer) || !byPeer.get(peer).containsKey(metric)) {
            return Double.NaN;
        }
        return median(byPeer.get(peer).get(metric));
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** Every recorded median: finite, or infinite where so recorded. Used by the smoke check. */
    List<String> missingMedians() {
        List<String> missing = new ArrayList<>();
        values.forEach((c, byPeer) -> byPeer.forEach((p, byMetric) -> byMetric.forEach((m, xs) -> {
            if (Double.isNaN(median(xs))) {
                missing.add(c + "/" + p + "/" + m);
            }
        })));
        if (values.isEmpty()) {
            missing.add("no values at all");
        }
        return missing;
    }

    Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", id);
        j.put("number", number);
        j.put("title", title);
        j.put("setup", setup);
        j.put("reference", reference);
        j.put("rounds", rounds);
        j.put("jdk", Runtime.version().toString());
        j.put("cpus", Peer.CPUS);
        List<Object> ms = new ArrayList<>();
        for (Metric m : metrics) {
            Map<String, Object> mj = new LinkedHashMap<>();
            mj.put("id", m.id());
            mj.put("label", m.label());
            mj.put("unit", m.unit());
            mj.put("better", m.higherIsBetter() ? "higher" : "lower");
            mj.put("log", m.logScale());
            mj.put("ratio", m.ratio());
            ms.add(mj);
        }
        j.put("metrics", ms);
        j.put("peers", new LinkedHashMap<>(peers));
        List<Object> cases = new ArrayList<>();
        values.forEach((caseName, byPeer) -> {
            List<Object> results = new ArrayList<>();
            List<String> order = new ArrayList<>(peers.keySet());
            order.retainAll(byPeer.keySet());
            byPeer.keySet().stream().filter(p -> !order.contains(p)).forEach(order::add);
            for (String peer : order) {
                Map<String, List<Double>> byMetric = byPeer.get(peer);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("peer", peer);
                Map<String, Object> rounds = new LinkedHashMap<>();
                Map<String, Object> medians = new LinkedHashMap<>();
                Map<String, Object> ratios = new LinkedHashMap<>();
                byMetric.forEach((metric, xs) -> {
                    rounds.put(metric, new ArrayList<>(xs));
                    double med = median(xs);
                    medians.put(metric, med);
                    double ref = median(caseName, reference, metric);
                    ratios.put(metric, ref / med);
                });
                r.put("rounds", rounds);
                r.put("median", medians);
                r.put("ratio", ratios);
                results.add(r);
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("case", caseName);
            c.put("results", results);
            cases.add(c);
        });
        j.put("cases", cases);
        List<Object> ts = new ArrayList<>();
        for (Target t : targets) {
            double value = median(t.caseName(), t.peer(), t.metric());
            if (t.versus() != null) {
                value /= median(t.versusCase(), t.versus(), t.metric());
            }
            Map<String, Object> tj = new LinkedHashMap<>();
            tj.put("target", t.label());
            tj.put("case", t.caseName());
            tj.put("metric", t.metric());
            tj.put("peer", t.peer());
            tj.put("versus", t.versus());
            if (!t.versusCase().equals(t.caseName())) {
                tj.put("versus_case", t.versusCase());
            }
            tj.put("op", t.op());
            tj.put("limit", t.limit());
            tj.put("value", value);
            tj.put("met", t.op().equals("<=") ? value <= t.limit() : value >= t.limit());
            ts.add(tj);
        }
        j.put("targets", ts);
        j.put("notes", new ArrayList<>(notes));
        j.putAll(extra);
        return j;
    }
}
