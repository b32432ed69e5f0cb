package io.iowq.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the scenarios of {@code docs/benchmarks.md} in one JVM (JMH forks its own for scenarios 1, 7 and 8),
 * writes each one's results as JSON, draws its chart from that JSON, and writes the tables.
 * <pre>
 *   Harness [--smoke] [--out DIR] [--only id,id,...]   run, then write DIR/{id}.json, {id}.svg, tables.md
 *   Harness --charts DIR                               redraw charts and tables from DIR's JSON
 * </pre>
 * Scenario ids: handoff, cpu, blocking, sampling, keyed, burst, latency, spring, layers.
 */
public final class Harness {

    /** Scenario ids in the order they run and appear. */
    static final List<String> SCENARIOS = List.of("handoff", "cpu", "blocking", "sampling", "keyed", "burst", "latency",
            "spring", "layers");

    private Harness() {
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Path out = Path.of("docs/benchmarks");
        Path chartsOnly = null;
        List<String> only = SCENARIOS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = Arrays.asList(args[++i].split(","));
                case "--charts" -> chartsOnly = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: Harness [--smoke] [--out DIR] [--only " + String.join(",", SCENARIOS)
                            + "] | --charts DIR");
                    System.exit(2);
                }
            }
        }
        if (chartsOnly != null) {
            writeTables(chartsOnly);
            return;
        }
        for (String id : only) {
            if (!SCENARIOS.contains(id)) {
                throw new IllegalArgumentException("no scenario " + id + "; there are " + SCENARIOS);
            }
        }
        System.exit(run(new Runs(smoke), out, only) ? 0 : 1);
    }

    private static boolean run(Runs runs, Path out, List<String> only) throws IOException {
        Files.createDirectories(out);
        long start = System.nanoTime();
        String loadStart = loadAverage();
        long cal = Cpu.calibrate();
        System.out.printf(Locale.ROOT, "iowq benchmarks%s: JDK %s, %d CPUs, %,d xorshift steps per ms, out %s%n",
                runs.smoke ? " (smoke)" : "", Runtime.version(), Peer.CPUS, cal, out);
        if (!VirtualThreads.available()) {
            System.out.println("virtual threads need JDK 21+: the vthreads peer is left out");
        }
        List<String> failures = new ArrayList<>();
        for (String id : SCENARIOS) {
            if (!only.contains(id)) {
                continue;
            }
            long t0 = System.nanoTime();
            String loadBefore = loadAverage();
            System.out.println("== " + id + " (load average " + loadBefore + ")");
            try {
                ScenarioResult r = scenario(id, runs, out);
                Map<String, Object> json = r.toJson();
                json.put("load_average", "before " + loadBefore + ", after " + loadAverage());
                json.put("date", Instant.now().toString());
                json.put("commit", System.getProperty("iowq.bench.commit", "unknown"));
                json.put("command", System.getProperty("iowq.bench.command", "Harness") + niceness());
                Files.writeString(out.resolve(id + ".json"), Json.write(json), StandardCharsets.UTF_8);
                List<String> missing = r.missingMedians();
                if (!missing.isEmpty()) {
                    failures.add(id + ": no value for " + missing);
                }
                printTargets(json);
            } catch (Exception | AssertionError e) {
                e.printStackTrace();
                failures.add(id + ": " + e);
            }
            System.out.printf(Locale.ROOT, "   %s took %.1f s%n", id, (System.nanoTime() - t0) / 1e9);
        }
        writeEnvironment(out, runs, cal, (System.nanoTime() - start) / 1e9, loadStart);
        writeTables(out);
        System.out.printf(Locale.ROOT, "wrote %s in %.0f s%n", out, (System.nanoTime() - start) / 1e9);
        if (!failures.isEmpty()) {
            System.out.println("FAILED:");
            failures.forEach(f -> System.out.println("  " + f));
            return false;
        }
        if (runs.smoke) {
            System.out.println("smoke: every scenario ran and produced its results (" + only.size() + " scenarios)");
        }
        return true;
    }

    private static ScenarioResult scenario(String id, Runs runs, Path out) throws Exception {
        return switch (id) {
            case "handoff" -> HandOffScenario.run(runs, out.resolve("handoff-jmh.json"));
            case "cpu" -> CpuScenario.run(runs);
            case "blocking" -> BlockingScenario.run(runs);
            case "sampling" -> SamplingCostScenario.run(runs);
            case "keyed" -> KeyedScenario.run(runs);
            case "burst" -> BurstScenario.run(runs);
            case "latency" -> LatencyScenario.run(runs);
            case "spring" -> SpringScenario.run(runs, out.resolve("spring-jmh.json"));
            case "layers" -> LayerCostScenario.run(runs, out.resolve("layers-jmh.json"));
            default -> throw new IllegalArgumentException(id);
        };
    }

    @SuppressWarnings("unchecked")
    private static void printTargets(Map<String, Object> json) {
        for (Map<String, Object> t : (List<Map<String, Object>>) json.get("targets")) {
            Object v = t.get("value");
            System.out.printf(Locale.ROOT, "   target %-70s %s (measured %s)%n", t.get("target"),
                    Boolean.TRUE.equals(t.get("met")) ? "met" : "MISSED",
                    v instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : "–");
        }
    }

    private static void writeEnvironment(Path out, Runs runs, long calibration, double seconds, String loadStart)
            throws IOException {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("date", Instant.now().toString());
        env.put("mode", runs.smoke ? "smoke" : "full");
        env.put("commit", System.getProperty("iowq.bench.commit", "unknown"));
        env.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + Runtime.version());
        env.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
        env.put("cpus", Peer.CPUS);
        env.put("cpu_model", cpuModel());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        env.put("xorshift_steps_per_ms", calibration);
        env.put("seconds", seconds);
        env.put("load_before", loadStart);
        env.put("load_after", loadAverage());
        Files.writeString(out.resolve("environment.json"), Json.write(env), StandardCharsets.UTF_8);
    }

    /** " (at nice N)" when this process runs at a nice level other than 0 (Linux), else "". */
    static String niceness() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            int nice = Integer.parseInt(f[16]);
            return nice == 0 ? "" : " (at nice " + nice + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The 1, 5 and 15 minute load averages: other processes on the machine show here. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Where the generated part of the page goes: between these two lines of {@code docs/benchmarks.md}. */
    static final String BEGIN = "<!-- generated by benchmarks/run from docs/benchmarks/*.json: begin -->";
    static final String END = "<!-- generated by benchmarks/run: end -->";

    /**
     * Draws every scenario's chart and writes the tables from the JSON results in {@code dir}: into
     * {@code dir/tables.md}, and into the page {@code dir.md} beside the directory (between
     * {@link #BEGIN} and {@link #END}) if it has those lines.
     */
    @SuppressWarnings("unchecked")
    static void writeTables(Path dir) throws IOException {
        StringBuilder scenarios = new StringBuilder();
        List<Map<String, Object>> results = new ArrayList<>();
        for (String id : SCENARIOS) {
            Path json = dir.resolve(id + ".json");
            if (!Files.exists(json)) {
                continue;
            }
            Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
            results.add(r);
            Files.writeString(dir.resolve(id + ".svg"), Charts.draw(r), StandardCharsets.UTF_8);
            scenarios.append(Report.markdown(r, dir.getFileName() + "/" + id + ".svg"));
        }
        Path envFile = dir.resolve("environment.json");
        Map<String, Object> env = Files.exists(envFile)
                ? (Map<String, Object>) Json.parse(Files.readString(envFile, StandardCharsets.UTF_8)) : Map.of();
        String tables = Report.environment(env) + Report.targets(results) + "## The scenarios\n\n" + scenarios;
        Files.writeString(dir.resolve("tables.md"), "<!-- written by the harness from the JSON results beside it; "
                + "chart links are relative to docs/ -->\n\n" + tables, StandardCharsets.UTF_8);
        Path page = dir.resolveSibling(dir.getFileName() + ".md");
        if (Files.exists(page)) {
            String text = Files.readString(page, StandardCharsets.UTF_8);
            int begin = text.indexOf(BEGIN);
            int end = text.indexOf(END);
            if (begin >= 0 && end > begin) {
                Files.writeString(page, text.substring(0, begin + BEGIN.length()) + "\n\n" + tables
                        + text.substring(end), StandardCharsets.UTF_8);
            }
        }
    }
}
