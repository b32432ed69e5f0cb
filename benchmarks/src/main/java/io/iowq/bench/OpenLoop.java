package io.iowq.bench;

import org.HdrHistogram.Histogram;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * An open-loop load: tasks arrive on a fixed schedule whatever the executor does, and each one's
 * enqueue-to-start latency is recorded (the time its submitter was about to submit it, to the
 * first instruction of the task).
 */
final class OpenLoop {

    private OpenLoop() {
    }

    /** How one executor takes task {@code i}. */
    @FunctionalInterface
    interface Submit {
        void submit(int i, Runnable task);
    }

    /** Offsets in nanoseconds from the start of {@code n} Poisson arrivals at {@code perSecond}, seeded. */
    static long[] poisson(int n, double perSecond, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] at = new long[n];
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += -Math.log(1 - random.nextDouble()) / perSecond * 1e9;
            at[i] = (long) t;
        }
        return at;
    }

    /**
     * Submits task {@code i} (made by {@code body}) at {@code offsets[i]} from now through {@code submit},
     * waits for all, and returns the histogram (ns) of the start latencies of the tasks {@code measured}
     * selects. Bounded: the schedule's length, and {@link Runs#RUN_LIMIT_SECONDS} past its end.
     */
    static Histogram run(long[] offsets, IntFunction<Runnable> body, Submit submit, IntPredicate measured)
            throws Exception {
        int n = offsets.length;
        long[] submitted = new long[n];
        long[] started = new long[n];
        Batch batch = new Batch(n);
        long limit = offsets[n - 1] + TimeUnit.SECONDS.toNanos(Runs.RUN_LIMIT_SECONDS);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = t0 + offsets[i];
            for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            if (System.nanoTime() - t0 > limit) {
                throw new TimeoutException("the load generator fell " + Runs.RUN_LIMIT_SECONDS + " s behind");
            }
            int index = i;
            Runnable task = body.apply(i);
            Runnable timed = batch.task(() -> {
                started[index] = System.nanoTime();
                task.run();
            });
            submitted[i] = System.nanoTime();
            submit.submit(i, timed);
        }
        batch.await("open loop");
        Histogram h = new Histogram(3);
        for (int i = 0; i < n; i++) {
            if (measured.test(i)) {
                h.recordValue(Math.max(0, started[i] - submitted[i]));
            }
        }
        return h;
    }

    /** Records a histogram's p50, p99, p99.9 and max, in microseconds, under {@code peer}. */
    static void addPercentiles(ScenarioResult r, String caseName, String peer, Histogram h) {
        r.add(caseName, peer, "p50_us", h.getValueAtPercentile(50) / 1e3);
        r.add(caseName, peer, "p99_us", h.getValueAtPercentile(99) / 1e3);
        r.add(caseName, peer, "p999_us", h.getValueAtPercentile(99.9) / 1e3);
        r.add(caseName, peer, "max_us", h.getMaxValue() / 1e3);
    }

    static ScenarioResult percentileMetrics(ScenarioResult r) {
        return r.metric("p50_us", "p50", "µs", false, true)
                .metric("p99_us", "p99", "µs", false, true)
                .metric("p999_us", "p99.9", "µs", false, true)
                .metric("max_us", "max", "µs", false, true);
    }
}
