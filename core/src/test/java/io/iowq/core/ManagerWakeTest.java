package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Submitters wake the idle manager when it observes blocking, and never when it does not. A manager
 * that does not observe has nothing to do for waiting work: woken, it would park again at once, and
 * each next submission would wake it (a fifth of a CPU in hand-off). Its wake-ups are counted from
 * outside, as the voluntary context switches of its thread ({@code /proc/self/task/<tid>/status}).
 */
class ManagerWakeTest {

    @Test
    void submittersWakeTheIdleManagerWhenItObservesBlocking() throws Exception {
        Bursts b = burstsBehindABusyWorker(true);
        assertThat(b.samples).as("sample rounds of the manager, woken by submitters").isPositive();
    }

    @Test
    void submittersNeverWakeAManagerThatDoesNotObserveBlocking() throws Exception {
        Bursts b = burstsBehindABusyWorker(false);
        assertThat(b.samples).as("sample rounds").isZero();
        // Woken by submitters, it would park again after every wake; a park may return spuriously now and then.
        assertThat(b.managerSwitches).as("times the manager thread parked again").isLessThan(10);
    }

    /**
     * Every submission comes while fewer than the target run (the workers are on their way), so none
     * tells the manager that work waits; the worker that takes an item with the target running does.
     */
    @Test
    void workQueuedWhileFewerThanTheTargetRanIsWatchedOnceTheTargetRuns() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        IoWq pool = new IoWq(IoWqConfig.builder().concurrency(WorkClass.BOUND, 3)
                .maxWorkers(WorkClass.BOUND, 16).threadNamePrefix("mw2-").threadFactory(r -> new Thread(() -> {
                    awaitUninterruptibly(gate);
                    r.run();
                })).build());
        CompletableFuture<Void> release = new CompletableFuture<>();
        try {
            awaitParked(pool.manager().thread());
            for (int i = 0; i < 20; i++) {
                pool.enqueue(Work.of(() -> release.get(10, TimeUnit.SECONDS)));
            }
            gate.countDown(); // the workers start: 2 take items, a third is woken for the backlog, all block
            Pools.eventually().untilAsserted(() -> assertThat(pool.stats().bounded().blocked())
                    .as("workers observed blocked").isGreaterThan(3));
        } finally {
            release.complete(null);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // a worker's interrupt is the pool's; the gate is the test's
            }
        }
    }

    private record Bursts(long samples, long managerSwitches) {
    }

    /**
     * 20 rounds: a burst from four threads of 2,000 items each, every one of which waits behind the
     * only worker (held by a CPU-bound item, never observed blocked) and asks for the manager; then the
     * worker runs the burst dry. Returns the manager's sample rounds and its thread's voluntary
     * context switches over it.
     */
    private static Bursts burstsBehindABusyWorker(boolean observeBlocking) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
        String prefix = observeBlocking ? "mw1-" : "mw0-"; // a manager's name of its own in each case
        IoWq pool = new IoWq(IoWqConfig.builder().concurrency(WorkClass.BOUND, 1)
                .maxWorkers(WorkClass.BOUND, 1).observeBlocking(observeBlocking).threadNamePrefix(prefix).build());
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch busy = new CountDownLatch(1);
        try {
            pool.execute(() -> {
                busy.countDown();
                spinUntil(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            awaitParked(pool.manager().thread());
            Path manager = task(prefix + "manager"); // named once its thread has run
            long switchesBefore = voluntarySwitches(manager);
            long samplesBefore = pool.blockingSamples();
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
            return new Bursts(pool.blockingSamples() - samplesBefore, voluntarySwitches(manager) - switchesBefore);
        } finally {
            release.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** A thread's task directory: a started thread gives its name (the first 15 characters) to its task. */
    private static Path task(String name) throws IOException {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (Files.readString(task.resolve("comm")).trim().equals(name)) {
                    return task;
                }
            }
        }
        throw new AssertionError("no task named " + name);
    }

    private static long voluntarySwitches(Path task) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no voluntary_ctxt_switches in " + task);
    }

    private static void awaitParked(Thread manager) {
        Pools.eventually().untilAsserted(() -> assertThat(manager.getState())
                .as("the manager, before the bursts").isEqualTo(Thread.State.WAITING));
    }

    private static void spinUntil(AtomicBoolean release) {
        while (!release.get()) {
            Thread.onSpinWait();
        }
    }

    private static void awaitDrained(IoWq pool) {
        Pools.eventually().untilAsserted(() -> assertThat(pool.stats().pending()).isZero());
    }
}
