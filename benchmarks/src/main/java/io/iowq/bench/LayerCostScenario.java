package io.iowq.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/** Runs {@link LayerCostBenchmark} with JMH: the cost table of the starter's layers, per item. */
final class LayerCostScenario {

    /** Benchmark method → the row it fills, in the order of the table. */
    private static final Map<String, String> ROWS = new LinkedHashMap<>();

    static {
        ROWS.put("engine", "engine: hand-off of a tiny item, submit to run (IoWq.execute, 1 submitter)");
        ROWS.put("timeRecording", "time recording: an item's stamps (coarse clock; one in 16 timed with System.nanoTime)");
        ROWS.put("timers", "meters: the iowq.work.wait and iowq.work.duration timers (Prometheus)");
        ROWS.put("contextPropagation", "context propagation: capture, install, restore (nothing to carry)");
        ROWS.put("contextPropagationWithMdc", "context propagation, the same with one MDC entry to carry");
        ROWS.put("taskDecorator", "a TaskDecorator, if the application defines one (ContextPropagatingTaskDecorator)");
        ROWS.put("workAndFuture", "a Work item and its CompletableFuture (the floor of an @Async call)");
        ROWS.put("asyncCall", "@Async call through iowq's interceptor to Work and future (engine left out)");
        ROWS.put("hashedAsyncCall", "@Hashed(\"#key\") @Async call, the same");
    }

    static final String INTERCEPTOR = "interceptor: @Async call less Work and future";
    static final String KEY = "key evaluation: @Hashed call less @Async call";

    private LayerCostScenario() {
    }

    static ScenarioResult run(Runs runs, Path jmhJson) throws Exception {
        JmhRun jmh = JmhRun.of(runs, 2, 3, 5);
        Collection<RunResult> results = jmh.run(LayerCostBenchmark.class.getName() + "\\.", null, jmhJson);
        Map<String, List<Double>> byMethod = new LinkedHashMap<>();
        for (RunResult run : results) {
            byMethod.computeIfAbsent(JmhRun.method(run), k -> new ArrayList<>()).addAll(JmhRun.scores(run));
        }
        ScenarioResult r = new ScenarioResult("layers", "8", "What each layer of the starter costs per item", "iowq")
                .setup(jmh.describe() + ", average time "
                        + "per operation in one thread: each row runs only what that layer does for one item. The "
                        + "@Async rows call a real Spring context's proxy, whose applicationTaskExecutor is an "
                        + "IoWqExecutor that drops the item instead of queuing it, so the engine is left out. The "
                        + "two last rows are differences of the medians' rounds, paired by iteration.")
                .rounds(Math.max(1, jmh.forks()) * jmh.iterations())
                .metric("ns", "time per item", "ns", false, true);
        r.peer("iowq", "the starter's layers, one by one");
        ROWS.forEach((method, row) -> byMethod.getOrDefault(method, List.of()).forEach(v -> r.add(row, "iowq", "ns", v)));
        difference(r, INTERCEPTOR, byMethod.get("asyncCall"), byMethod.get("workAndFuture"));
        difference(r, KEY, byMethod.get("hashedAsyncCall"), byMethod.get("asyncCall"));
        r.target("time recording ≤ 10 ns per item", ROWS.get("timeRecording"), "ns", "iowq", null, "<=", 10);
        return r.note("JMH's own results file: `" + jmhJson.getFileName() + "`.")
                .note("The engine row is the whole hand-off of a tiny item, for scale; every other row is work done "
                        + "on top of it, in the calling thread (interceptor, key, capture) or the worker (install, "
                        + "timers, the time stamps).");
    }

    private static void difference(ScenarioResult r, String row, List<Double> a, List<Double> b) {
        if (a == null || b == null) {
            return;
        }
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(row, "iowq", "ns", a.get(i) - b.get(i));
        }
    }
}
