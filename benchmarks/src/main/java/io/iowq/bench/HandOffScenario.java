package io.iowq.bench;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Runs {@link HandOffBenchmark} with JMH and turns its iterations into a {@link ScenarioResult}. */
final class HandOffScenario {

    private HandOffScenario() {
    }

    /** The forks' heap, and on JDK 24+ no warning for JMH's use of sun.misc.Unsafe (JEP 498). */
    private static String[] forkArgs() {
        return Runtime.version().feature() >= 24
                ? new String[] {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"}
                : new String[] {"-Xms1g", "-Xmx1g"};
    }

    static ScenarioResult run(Runs runs, Path jmhJson) throws Exception {
        // 4 forks: on 2 CPUs, with submitters and workers sharing them, a fork can settle in a slow or a
        // fast schedule for its whole life (seen for every executor), so the median needs several.
        int forks = runs.pick(4, 0);
        int warmups = runs.pick(3, 1);
        int iterations = runs.pick(5, 1);
        TimeValue time = runs.smoke ? TimeValue.milliseconds(100) : TimeValue.seconds(1);
        List<Peer> peers = Peer.available();
        List<String> idList = new ArrayList<>(peers.stream().map(p -> p.id).toList());
        idList.add(1, HandOffBenchmark.IOWQ_TIMED);
        String[] ids = idList.toArray(String[]::new);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(HandOffBenchmark.class.getName() + "\\.")
                .param("peer", ids)
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(time)
                .measurementIterations(iterations)
                .measurementTime(time)
                .jvmArgsAppend(forkArgs())
                .shouldFailOnError(true)
                .result(jmhJson.toString())
                .resultFormat(ResultFormatType.JSON);
        Collection<RunResult> results = new Runner(options.build()).run();
        ScenarioResult r = new ScenarioResult("handoff", "1", "Hand-off of tiny tasks", "iowq")
                .setup("JMH " + (runs.smoke ? "(smoke: in-process, 1 x 100 ms)" : forks + " forks x " + iterations
                        + " measured iterations of 1 s after " + warmups + " warm-up iterations") + ". One operation "
                        + "= submit " + HandOffBenchmark.BATCH + " tasks that only decrement a counter, then wait "
                        + "until all have run; score = tasks per second, end to end. Two submitters = two JMH "
                        + "threads, each with its own batch; their scores add up. The value per round is one "
                        + "measured iteration (of any fork).")
                .rounds(forks * iterations)
                .metric("tasks_per_s", "throughput", "tasks/s", true, true);
        peers.forEach(p -> r.peer(p.id, p.description));
        r.peer(HandOffBenchmark.IOWQ_TIMED, "iowq as the Spring Boot starter configures it: defaults plus "
                + "recordTimes (a clock read at acceptance and one per item on the worker, for the timers and the "
                + "endpoint's ages)");
        for (RunResult run : results) {
            String peer = run.getParams().getParam("peer");
            String method = run.getParams().getBenchmark();
            String caseName = method.endsWith("oneSubmitter") ? "1 submitter" : "2 submitters";
            for (BenchmarkResult b : run.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) {
                    r.add(caseName, peer, "tasks_per_s", it.getPrimaryResult().getScore());
                }
            }
        }
        for (String c : List.of("1 submitter", "2 submitters")) {
            r.target("throughput, " + c + ": iowq ÷ boot-tpe ≥ 1.0 (issue 8)", c, "tasks_per_s", "iowq", "boot-tpe",
                    ">=", 1.0);
            r.target("throughput, " + c + ": iowq-timed ÷ boot-tpe ≥ 1.0 (the starter's configuration)", c,
                    "tasks_per_s", HandOffBenchmark.IOWQ_TIMED, "boot-tpe", ">=", 1.0);
        }
        return r.note("JMH's own results file: `" + jmhJson.getFileName() + "`.");
    }
}
