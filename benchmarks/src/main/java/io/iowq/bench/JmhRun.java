package io.iowq.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * How the JMH scenarios run their benchmarks: forks, warm-up and measured iterations (in-process and
 * tiny in a smoke run), the forks' JVM options, JMH's own JSON beside the harness's; and the scores
 * of every measured iteration, which become the rounds of a {@link ScenarioResult}.
 */
record JmhRun(int forks, int warmups, int iterations, TimeValue time) {

    /** A full run's sizes, or a smoke run's (in-process, no warm-up, one short iteration). */
    static JmhRun of(Runs runs, int forks, int warmups, int iterations) {
        return runs.smoke ? new JmhRun(0, 0, 1, TimeValue.milliseconds(50))
                : new JmhRun(forks, warmups, iterations, TimeValue.seconds(1));
    }

    /** The forks' heap, and on JDK 24+ no warning for JMH's use of sun.misc.Unsafe (JEP 498). */
    static String[] forkArgs() {
        return Runtime.version().feature() >= 24
                ? new String[] {"-Xms1g", "-Xmx1g", "--sun-misc-unsafe-memory-access=allow"}
                : new String[] {"-Xms1g", "-Xmx1g"};
    }

    /** Runs the benchmarks that {@code include} matches, with {@code peers} as the {@code peer} parameter if given. */
    Collection<RunResult> run(String include, List<String> peers, Path json) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(time)
                .measurementIterations(iterations)
                .measurementTime(time)
                .jvmArgsAppend(forkArgs())
                .shouldFailOnError(true)
                .result(json.toString())
                .resultFormat(ResultFormatType.JSON);
        if (peers != null) {
            options.param("peer", peers.toArray(String[]::new));
        }
        return new Runner(options.build()).run();
    }

    /** How the setup text names these sizes. */
    String describe() {
        return forks == 0 ? "JMH (smoke: in-process, " + iterations + " x " + time + ")"
                : "JMH " + forks + " forks x " + iterations + " measured iterations of " + time + " after " + warmups
                        + " warm-up iterations";
    }

    /** The measured iterations' scores of one benchmark run. */
    static List<Double> scores(RunResult run) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult b : run.getBenchmarkResults()) {
            for (IterationResult it : b.getIterationResults()) {
                scores.add(it.getPrimaryResult().getScore());
            }
        }
        return scores;
    }

    /** The method name of a benchmark run. */
    static String method(RunResult run) {
        String name = run.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
