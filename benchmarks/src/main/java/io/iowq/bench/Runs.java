package io.iowq.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/** What every scenario shares: sizes for full and smoke runs, round order, bounded waits. */
final class Runs {

    /** Longest any one measured run may take before it counts as hung. */
    static final long RUN_LIMIT_SECONDS = 120;

    final boolean smoke;

    Runs(boolean smoke) {
        this.smoke = smoke;
    }

    /** {@code full} in a full run, {@code smoke} in a smoke run. */
    int pick(int full, int smoke) {
        return this.smoke ? smoke : full;
    }

    long pick(long full, long smoke) {
        return this.smoke ? smoke : full;
    }

    /** Measured rounds: {@code full} in a full run, one in a smoke run. */
    int rounds(int full) {
        return smoke ? 1 : full;
    }

    /** Round 0 warms the JIT up and is not recorded; a smoke run has none. */
    int firstRound() {
        return smoke ? 1 : 0;
    }

    /** The executors in the order of round {@code round}: rotated, so none always goes first. */
    static <T> List<T> order(List<T> items, int round) {
        List<T> l = new ArrayList<>(items);
        Collections.rotate(l, -round);
        return l;
    }

    /** Waits for {@code latch}, at most {@link #RUN_LIMIT_SECONDS}; a run that hangs fails the harness. */
    static void await(CountDownLatch latch, String what) throws InterruptedException, TimeoutException {
        if (!latch.await(RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            throw new TimeoutException(what + ": " + latch.getCount() + " tasks still unfinished after "
                    + RUN_LIMIT_SECONDS + " s");
        }
    }

    /** Lets the previous run's garbage and threads go before the next run starts. */
    static void settle() {
        System.gc();
        sleepMillis(150);
    }

    static void sleepMillis(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /** Sleeps, and turns an interrupt into an unchecked failure of the task. */
    static void sleepInTask(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static double millisSince(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
