package io.iowq.bench;

import java.util.Arrays;

/** A fixed amount of CPU work, calibrated once per run so that every executor gets the same. */
final class Cpu {

    /** Where results go so that the JIT cannot drop the work. */
    static volatile long sink;

    private static long iterationsPerMilli;

    private Cpu() {
    }

    /** Runs {@code iterations} steps of xorshift; a loop-carried dependency keeps it from vectorizing. */
    static long burn(long iterations) {
        long x = 0x9E3779B97F4A7C15L ^ iterations;
        for (long i = 0; i < iterations; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        sink = x;
        return x;
    }

    static long iterations(double micros) {
        if (iterationsPerMilli == 0) {
            calibrate();
        }
        return Math.max(1, Math.round(iterationsPerMilli * micros / 1000));
    }

    /** Measures this core's speed: median of seven timed runs after the JIT has compiled the loop. */
    static synchronized long calibrate() {
        if (iterationsPerMilli != 0) {
            return iterationsPerMilli;
        }
        for (int i = 0; i < 50; i++) {
            burn(200_000);
        }
        long n = 4_000_000;
        long[] nanos = new long[7];
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            burn(n);
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        iterationsPerMilli = Math.max(1, n * 1_000_000 / nanos[nanos.length / 2]);
        return iterationsPerMilli;
    }

    /** Spins on the clock for {@code nanos} of wall time (a service time, not an amount of work). */
    static void spinNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
