package io.iowq.bench;

import org.HdrHistogram.Histogram;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 6: enqueue-to-start latency at 50% load. Poisson arrivals whose service times add up to
 * half of the machine's CPUs, from one submitter; the same seeded schedule for every executor.
 * <p>
 * On two CPUs a JIT compiler thread that works during a round takes a CPU from the two workers, and
 * the round's p99 grows with it (for every executor): warm-up rounds go on until one costs the JIT
 * little, and each measured round records the compile time spent during it.
 */
final class LatencyScenario {

    private LatencyScenario() {
    }

    /** A warm-up round (every executor once) that compiled less than this ends the warm-up. */
    private static final long QUIET_JIT_MILLIS = 100;
    private static final int MAX_WARM_UP_ROUNDS = 6;

    static ScenarioResult run(Runs runs) throws Exception {
        long serviceMicros = runs.pick(1000, 200);
        long millis = runs.pick(6000, 500);
        double load = 0.5;
        double rate = load * Peer.CPUS * 1e6 / serviceMicros;
        int rounds = runs.rounds(7); // single rounds' p99 vary by ±15% on this machine: 3 could not tell 3%
        List<Variant> variants = Variant.allPeers();
        String caseName = String.format(Locale.ROOT, "%.0f%% load, %d µs tasks", load * 100, serviceMicros);
        ScenarioResult r = OpenLoop.percentileMetrics(new ScenarioResult("latency", "6",
                "Enqueue-to-start latency at 50% load", "iowq"))
                .setup(String.format(Locale.ROOT, "One submitter, open loop for %d ms: Poisson arrivals at %,.0f tasks/s "
                        + "(seeded, the same schedule for every executor), each task spinning %d µs of wall time, so "
                        + "the offered work is %.0f%% of the %d CPUs. Latency = from just before `execute` to the "
                        + "task's first instruction; %,d tasks per round.", millis, rate, serviceMicros, load * 100,
                        Peer.CPUS, (long) (rate * millis / 1000)))
                .rounds(rounds);
        r.metricWithoutRatio("jit_ms", "JIT compile time in the round", "ms", false);
        variants.forEach(v -> r.peer(v.name(), v.peer().description));
        long[] schedule = OpenLoop.poisson((int) (rate * millis / 1000), rate, 7);
        long serviceNanos = TimeUnit.MICROSECONDS.toNanos(serviceMicros);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (!runs.smoke) {
            int warmUps = 0;
            long compiled;
            do {
                long before = jit.getTotalCompilationTime();
                for (Variant v : Runs.order(variants, warmUps)) {
                    runOnce(v, schedule, serviceNanos);
                }
                compiled = jit.getTotalCompilationTime() - before;
                r.note(String.format(Locale.ROOT, "Warm-up round %d (every executor once, not recorded): %d ms of JIT "
                        + "compile time.", ++warmUps, compiled));
            } while (compiled >= QUIET_JIT_MILLIS && warmUps < MAX_WARM_UP_ROUNDS);
        }
        for (int round = 1; round <= rounds; round++) {
            for (Variant v : Runs.order(variants, round)) {
                long before = jit.getTotalCompilationTime();
                Histogram h = runOnce(v, schedule, serviceNanos);
                OpenLoop.addPercentiles(r, caseName, v.name(), h);
                r.add(caseName, v.name(), "jit_ms", jit.getTotalCompilationTime() - before);
            }
        }
        r.target("p99: iowq ÷ tpe-cpus ≤ 1.0", caseName, "p99_us", "iowq", "tpe-cpus", "<=", 1.0)
                .target("p99: iowq ÷ boot-tpe ≤ 1.0", caseName, "p99_us", "iowq", "boot-tpe", "<=", 1.0);
        return r;
    }

    private static Histogram runOnce(Variant v, long[] schedule, long serviceNanos) throws Exception {
        Runs.settle();
        try (Peer.Pool pool = v.peer().open()) {
            return OpenLoop.run(schedule, i -> () -> Cpu.spinNanos(serviceNanos),
                    (i, task) -> v.submit(pool, task), i -> true);
        }
    }
}
