package io.iowq.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/** A known number of tasks: each counts down when it ends, and the first failure is kept. */
final class Batch {

    private final CountDownLatch done;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong endNanos = new AtomicLong();

    Batch(int tasks) {
        this.done = new CountDownLatch(tasks);
    }

    Runnable task(Runnable body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                done.countDown();
                if (done.getCount() == 0) {
                    endNanos.compareAndSet(0, System.nanoTime());
                }
            }
        };
    }

    /** When the last task ended ({@code System.nanoTime()}), or 0 while some still run. */
    long endNanos() {
        return endNanos.get();
    }

    /** Waits for every task (bounded); a failed task fails the run. */
    void await(String what) throws Exception {
        Runs.await(done, what);
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException(what + ": a task failed", t);
        }
    }

    /** A closed batch's figures: time to finish and the most threads alive. */
    record Timed(double millis, int peakThreads, int carriers) {
    }

    /**
     * Runs {@code n} tasks made by {@code body} on a new executor of {@code v}: the time from the
     * first submission until the last task ended, and the peak of the executor's threads. For virtual
     * threads, {@code carriers} is the number of the JDK scheduler's platform threads alive after.
     */
    static Timed time(Variant v, int n, IntFunction<Runnable> body) throws Exception {
        try (Peer.Pool pool = v.peer().open()) {
            Batch batch = new Batch(n);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                v.submit(pool, batch.task(body.apply(i)));
            }
            batch.await(v.name());
            double millis = Runs.millisSince(t0);
            int carriers = v.peer() == Peer.VTHREADS ? ThreadCount.carrierThreads() : 0;
            return new Timed(millis, pool.threads().peak(), carriers);
        }
    }
}
