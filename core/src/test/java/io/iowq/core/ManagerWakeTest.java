package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Submitters wake the idle manager at most once per time it went idle. While the manager has not
 * yet run after a wake, every submission whose item waits asks for it again; each ask that unparks
 * is a system call, and with two submitters on two CPUs there were up to 125,000 a second.
 */
class ManagerWakeTest {

    @Test
    void submittersWakeTheIdleManagerAtMostOncePerIdlePeriod() throws Exception {
        IoWq pool = new IoWq(IoWqConfig.builder().nodes(1).concurrency(WorkClass.BOUND, 1)
                .maxWorkers(WorkClass.BOUND, 1).threadNamePrefix("manager-wake-").build());
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch busy = new CountDownLatch(1);
        try {
            pool.execute(() -> { // the only worker spins (CPU-bound: never observed blocked)
                busy.countDown();
                while (!release.get()) {
                    Thread.onSpinWait();
                }
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            // Periods before wakes here, wakes before periods at the end: then every wake counted in
            // between ended a period counted in between, or the one period already begun.
            Manager manager = pool.manager();
            long periodsBefore = manager.idlePeriods();
            long wakesBefore = manager.submitterWakes();
            // Each round: a burst from four threads, each of whose items waits for the worker and asks
            // for the manager; then the worker runs the burst dry, and the manager goes idle again.
            for (int round = 0; round < 20; round++) {
                List<Thread> submitters = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Thread s = new Thread(() -> {
                        for (int i = 0; i < 2_000; i++) {
                            pool.execute(() -> { });
                        }
                    });
                    submitters.add(s);
                    s.start();
                }
                for (Thread s : submitters) {
                    s.join(10_000);
                }
                release.set(true);
                awaitDrained(pool);
                release.set(false);
                pool.execute(() -> {
                    while (!release.get()) {
                        Thread.onSpinWait();
                    }
                });
            }
            long wakes = manager.submitterWakes() - wakesBefore;
            long idlePeriods = manager.idlePeriods() - periodsBefore;
            assertThat(wakes).as("manager woken by submitters (in %d idle periods)", idlePeriods).isPositive()
                    .isLessThanOrEqualTo(idlePeriods + 1);
        } finally {
            release.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void awaitDrained(IoWq pool) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.stats().pending() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        assertThat(pool.stats().pending()).isZero();
    }
}
