package io.iowq.bench;

import java.util.List;
import java.util.Map;

/** Markdown tables of one scenario's JSON results: medians, ratios to iowq, targets. */
final class Report {

    private Report() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r, String chartFile) {
        StringBuilder b = new StringBuilder();
        List<Map<String, Object>> metrics = (List<Map<String, Object>>) r.get("metrics");
        String reference = (String) r.get("reference");
        b.append("### ").append(r.get("number")).append(". ").append(r.get("title")).append("\n\n");
        b.append(r.get("setup")).append("\n\n");
        if (r.get("command") != null) {
            b.append("Run: `").append(r.get("command")).append("` at commit ").append(r.get("commit")).append(", ")
                    .append(r.get("date")).append("; ");
        }
        if (r.get("load_average") != null) {
            b.append("load average (1, 5, 15 min) ").append(r.get("load_average")).append(".\n\n");
        }
        List<Map<String, Object>> cases = (List<Map<String, Object>>) r.get("cases");
        boolean peers = cases.stream().flatMap(c -> ((List<Map<String, Object>>) c.get("results")).stream())
                .anyMatch(res -> !reference.equals(res.get("peer")));
        List<Map<String, Object>> ratios = peers
                ? metrics.stream().filter(m -> !Boolean.FALSE.equals(m.get("ratio"))).toList() : List.of();
        b.append("| case | executor |");
        for (Map<String, Object> m : metrics) {
            b.append(' ').append(m.get("label")).append(" (").append(m.get("unit")).append(") |");
        }
        for (Map<String, Object> m : ratios) {
            b.append(" ").append(reference).append(" ÷ executor, ").append(m.get("label")).append(" |");
        }
        b.append("\n|---|---|");
        b.append("---:|".repeat(metrics.size() + ratios.size()));
        b.append('\n');
        for (Map<String, Object> c : cases) {
            for (Map<String, Object> res : (List<Map<String, Object>>) c.get("results")) {
                String peer = (String) res.get("peer");
                Map<String, Object> med = (Map<String, Object>) res.get("median");
                Map<String, Object> ratio = (Map<String, Object>) res.get("ratio");
                b.append("| ").append(c.get("case")).append(" | ").append(peer.equals(reference) ? "**" + peer + "**" : peer)
                        .append(" |");
                for (Map<String, Object> m : metrics) {
                    b.append(' ').append(cell(med.get(m.get("id")))).append(" |");
                }
                for (Map<String, Object> m : ratios) {
                    b.append(' ').append(peer.equals(reference) ? "" : ratioCell(ratio.get(m.get("id")))).append(" |");
                }
                b.append('\n');
            }
        }
        List<Map<String, Object>> targets = (List<Map<String, Object>>) r.get("targets");
        if (!targets.isEmpty()) {
            b.append("\n| target | measured | limit | |\n|---|---:|---:|---|\n");
            for (Map<String, Object> t : targets) {
                b.append("| ").append(t.get("target")).append(" | ").append(ratioCell(t.get("value"))).append(" | ")
                        .append(t.get("op")).append(' ').append(ratioCell(t.get("limit"))).append(" | ")
                        .append(Boolean.TRUE.equals(t.get("met")) ? "met" : "**missed**").append(" |\n");
            }
        }
        for (Object note : (List<Object>) r.get("notes")) {
            b.append("\n").append(note).append('\n');
        }
        if (chartFile != null) {
            b.append("\n![Scenario ").append(r.get("number")).append("](").append(chartFile).append(")\n");
        }
        return b.append('\n').toString();
    }

    /** The run: when, where, what load the machine had (its JDK, CPUs, the command). */
    static String environment(Map<String, Object> env) {
        if (env.isEmpty()) {
            return "";
        }
        return "## The run\n\n| | |\n|---|---|\n"
                + "| date (end) | " + env.get("date") + " |\n"
                + "| mode | " + env.get("mode") + " (" + String.format(java.util.Locale.ROOT, "%.0f s",
                        ((Number) env.getOrDefault("seconds", 0)).doubleValue()) + ") |\n"
                + "| commit | " + env.get("commit") + " |\n"
                + "| JDK | " + env.get("jdk") + ", " + env.get("jvm_args") + " |\n"
                + "| machine | " + ((Number) env.getOrDefault("cpus", 0)).intValue() + " CPUs (" + env.get("cpu_model") + "), " + env.get("os") + " |\n"
                + "| load average (1, 5, 15 min) | before " + env.getOrDefault("load_before", "–") + ", after "
                + env.getOrDefault("load_after", "–") + " |\n\n";
    }

    /** One table of every scenario's targets: measured, limit, met or missed. */
    @SuppressWarnings("unchecked")
    static String targets(List<Map<String, Object>> results) {
        StringBuilder b = new StringBuilder("## The targets\n\n| scenario | target | measured | limit | |\n"
                + "|---|---|---:|---:|---|\n");
        for (Map<String, Object> r : results) {
            for (Map<String, Object> t : (List<Map<String, Object>>) r.get("targets")) {
                b.append("| ").append(r.get("number")).append(". ").append(r.get("title")).append(" | ")
                        .append(t.get("target")).append(" | ").append(ratioCell(t.get("value"))).append(" | ")
                        .append(t.get("op")).append(' ').append(ratioCell(t.get("limit"))).append(" | ")
                        .append(Boolean.TRUE.equals(t.get("met")) ? "met" : "**missed**").append(" |\n");
            }
        }
        return b.append('\n').toString();
    }

    private static String cell(Object v) {
        return v instanceof Number n ? Charts.format(n.doubleValue()) : "–";
    }

    private static String ratioCell(Object v) {
        if (!(v instanceof Number n)) {
            return "–";
        }
        double d = n.doubleValue();
        return Math.abs(d) >= 10 ? Charts.format(d) : String.format(java.util.Locale.ROOT, "%.2f", d);
    }
}
