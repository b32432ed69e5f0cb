package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Submitters wake the idle manager at most once per time it went idle, and never when it does not
 * observe blocking. While the manager has not yet run after a wake, every submission whose item waits
 * asks for it again; each ask that unparks is a system call, and with two submitters on two CPUs there
 * were up to 125,000 a second. A manager that does not observe has nothing to do for waiting work: it
 * parked again at once, and each next submission woke it (a fifth of a CPU in hand-off).
 */
class ManagerWakeTest {

    @Test
    void submittersWakeTheIdleManagerAtMostOncePerIdlePeriod() throws Exception {
        Wakes w = burstsBehindABusyWorker(true);
        assertThat(w.wakes).as("manager woken by submitters (in %d idle periods)", w.idlePeriods).isPositive()
                .isLessThanOrEqualTo(w.idlePeriods + 1);
    }

    @Test
    void submittersNeverWakeAManagerThatDoesNotObserveBlocking() throws Exception {
        Wakes w = burstsBehindABusyWorker(false);
        assertThat(w.wakes).as("manager woken by submitters").isZero();
        // Without the fix it went idle again after every wake; a park may return spuriously now and then.
        assertThat(w.idlePeriods).as("times the manager went idle again").isLessThan(10);
    }

    private record Wakes(long wakes, long idlePeriods) {
    }

    /**
     * 20 rounds: a burst from four threads of 2,000 items each, every one of which waits behind the
     * only worker (held by a CPU-bound item, never observed blocked) and asks for the manager; then the
     * worker runs the burst dry, and the manager goes idle again. Returns the manager's counts over it.
     */
    private static Wakes burstsBehindABusyWorker(boolean observeBlocking) throws Exception {
        IoWq pool = new IoWq(IoWqConfig.builder().nodes(1).concurrency(WorkClass.BOUND, 1)
                .maxWorkers(WorkClass.BOUND, 1).observeBlocking(observeBlocking).threadNamePrefix("manager-wake-").build());
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch busy = new CountDownLatch(1);
        try {
            pool.execute(() -> {
                busy.countDown();
                spinUntil(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            Manager manager = pool.manager();
            awaitFirstIdle(manager); // else its first park, which may come late, counts as one
            // Periods before wakes here, wakes before periods at the end: then every wake counted in
            // between ended a period counted in between, or the one period already begun.
            long periodsBefore = manager.idlePeriods();
            long wakesBefore = manager.submitterWakes();
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
                pool.execute(() -> spinUntil(release));
            }
            long wakes = manager.submitterWakes() - wakesBefore;
            return new Wakes(wakes, manager.idlePeriods() - periodsBefore);
        } finally {
            release.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void spinUntil(AtomicBoolean release) {
        while (!release.get()) {
            Thread.onSpinWait();
        }
    }

    private static void awaitFirstIdle(Manager manager) {
        Pools.eventually().untilAsserted(() -> assertThat(manager.idlePeriods())
                .as("times the manager went idle before the bursts").isPositive());
    }

    private static void awaitDrained(IoWq pool) {
        Pools.eventually().untilAsserted(() -> assertThat(pool.stats().pending()).isZero());
    }
}
