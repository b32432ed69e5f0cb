package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 4's figures: stats, the pending and running lists, and the listener's timings. */
class StatsTest {

    @RegisterExtension
    final Pools pools = new Pools();

    /** What the listener heard: id, wait and run nanos of each item that ended. */
    private final Queue<long[]> timings = new ConcurrentLinkedQueue<>();

    private final IoWqListener timingListener = new IoWqListener() {
        @Override
        public void workEnded(Work<?> work, long waitNanos, long runNanos) {
            timings.add(new long[] {work.id(), waitNanos, runNanos});
        }
    };

    /** A task named for what it does, as an operator would read it. */
    private record Named(String name, Gate gate) implements java.util.concurrent.Callable<String> {
        @Override
        public String call() throws Exception {
            return gate.task().call();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void statsShowEachClassesFiguresAndTheCounters() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2).maxWorkers(WorkClass.UNBOUND, 1).concurrency(WorkClass.UNBOUND, 1));
        pool.enqueue(Work.of(() -> "unbound").unbound()).get(10, TimeUnit.SECONDS);
        Gate gate = new Gate();
        Gate blocked = new Gate();
        pool.enqueue(Work.of(blocked.blockingTask()));
        pool.enqueue(Work.of(gate.task()));
        eventually().until(() -> gate.reached() && pool.stats().bounded().blocked() == 1);
        pool.enqueue(Work.of(gate.task()));
        pool.enqueue(Work.of(gate.task()).hashed("k"));
        pool.enqueue(Work.of(gate.task()).hashed("k"));
        eventually().until(() -> pool.stats().unbounded().idle() == 1);

        IoWqStats stats = pool.stats();

        assertThat(stats).isEqualTo(new IoWqStats(
                new IoWqStats.ClassStats(2, 2, 2, 1, 0, 1, 3, 1, 2),
                new IoWqStats.ClassStats(1, 1, 1, 0, 1, 0, 0, 0, 1),
                3, 1, 6, 1, 0, 0, 0, 0));
        assertThat(stats.of(WorkClass.BOUND)).isSameAs(stats.bounded());
        assertThat(stats.of(WorkClass.UNBOUND)).isSameAs(stats.unbounded());
        assertThat(pool.toString()).isEqualTo("IoWq[running, bounded 2/2, unbounded 1/1, pending 3]");
        gate.open();
        blocked.open();
        eventually().until(() -> pool.stats().completed() == 6);
    }

    @Test
    void statsAreConsistentSnapshotsUnderLoad() throws Exception {
        long seed = Seeds.seed("StatsTest.statsAreConsistentSnapshotsUnderLoad");
        IoWq pool = pools.start(IoWqConfig.builder().idleTimeout(Duration.ofMillis(2))
                .maxWorkers(WorkClass.BOUND, 3).concurrency(WorkClass.BOUND, 1)
                .maxWorkers(WorkClass.UNBOUND, 2).concurrency(WorkClass.UNBOUND, 1));
        AtomicBoolean stop = new AtomicBoolean();
        Queue<String> inconsistencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int s = 0; s < 3; s++) {
            SplittableRandom r = random.split();
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    submitOne(pool, r);
                }
            }));
        }
        for (int s = 0; s < 2; s++) {
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    String problem = inconsistency(pool.stats());
                    if (problem != null) {
                        inconsistencies.add(problem);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        try {
            eventually().until(() -> pool.stats().submitted() > 30_000 || !inconsistencies.isEmpty());
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }

        assertThat(inconsistencies).as("seed %d", seed).isEmpty();
    }

    private static void submitOne(IoWq pool, SplittableRandom r) {
        Work<Object> w = switch (r.nextInt(4)) {
            case 0 -> Work.of(() -> Blocking.run(() -> LockSupport.parkNanos(r.nextInt(20_000))));
            case 1 -> Work.of(() -> {
                throw new IllegalStateException("fails");
            });
            default -> Work.of(() -> null);
        };
        if (r.nextBoolean()) {
            w.hashed("k" + r.nextInt(8));
        }
        if (r.nextInt(4) == 0) {
            w.unbound();
        }
        try {
            pool.enqueue(w);
        } catch (java.util.concurrent.RejectedExecutionException refused) {
            return; // unbound work at the thread limit; never expected here, but not what this test checks
        }
        if (r.nextInt(8) == 0) {
            w.cancel(true);
        }
    }

    /** What a snapshot must satisfy at any moment, or {@code null}. */
    private static String inconsistency(IoWqStats s) {
        for (IoWqStats.ClassStats c : List.of(s.bounded(), s.unbounded())) {
            if (c.workers() != c.running() + c.idle() + c.blocked()) {
                return "workers are not running + idle + blocked: " + s;
            }
            if (c.workers() > c.maxWorkers() || c.pending() < 0) {
                return "workers above max or negative pending: " + s;
            }
            if (c.activeKeys() > c.pending() + c.workers()) {
                return "more active keys than queued heads and owners: " + s;
            }
        }
        if (s.completed() + s.failed() + s.cancelled() > s.submitted()) {
            return "more items ended than submitted: " + s;
        }
        if (s.pending() != s.bounded().pending() + s.unbounded().pending()
                || s.activeKeys() != s.bounded().activeKeys() + s.unbounded().activeKeys()) {
            return "totals disagree with the classes: " + s;
        }
        return null;
    }

    @Test
    void pendingAndRunningWorkDescribeEachItem() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).recordTimes(true));
        Gate gate = new Gate();
        Work<String> running = gate.enter(pool, Work.of(new Named("the running one", gate)).hashed(42));
        Work<String> plain = pool.enqueue(Work.of(new Named("plain", gate)));
        Work<String> keyed = pool.enqueue(Work.of(new Named("ignored", gate)).hashed(42).describedAs("keyed"));
        eventually().until(() -> pool.runningWork(false).get(0).millis() >= 20
                && pool.pendingWork().get(0).millis() >= 20);

        List<WorkInfo> pending = pool.pendingWork();
        List<WorkInfo> runningNow = pool.runningWork(true);

        assertThat(pending).hasSize(2);
        assertThat(pending.get(0)).satisfies(info -> {
            assertThat(info.id()).isEqualTo(plain.id());
            assertThat(info.key()).isNull();
            assertThat(info.workClass()).isEqualTo(WorkClass.BOUND);
            assertThat(info.description()).isEqualTo("plain");
            assertThat(info.running()).isFalse();
            assertThat(info.worker()).isNull();
            assertThat(info.millis()).isGreaterThanOrEqualTo(20);
            assertThat(info.stack()).isNull();
        });
        assertThat(pending.get(1)).satisfies(info -> {
            assertThat(info.id()).isEqualTo(keyed.id());
            assertThat(info.key()).isEqualTo("42");
            assertThat(info.description()).isEqualTo("keyed");
        });
        assertThat(runningNow).singleElement().satisfies(info -> {
            assertThat(info.id()).isEqualTo(running.id());
            assertThat(info.key()).isEqualTo("42");
            assertThat(info.description()).isEqualTo("the running one");
            assertThat(info.running()).isTrue();
            assertThat(info.worker()).isEqualTo("iowq-b-1");
            assertThat(info.blocked()).isFalse();
            assertThat(info.millis()).isGreaterThanOrEqualTo(20);
            assertThat(Arrays.stream(info.stack()).map(StackTraceElement::getClassName))
                    .contains(Gate.class.getName(), Named.class.getName());
        });
        assertThat(pool.runningWork(false).get(0).stack()).isNull();
        gate.open();
        eventually().until(() -> pool.pendingWork().isEmpty() && pool.runningWork(false).isEmpty());
    }

    @Test
    void theListenerHearsTheWaitAndRunTimesOfTheSampledItems() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).listener(timingListener).recordTimes(true));
        for (int i = 1; i < CoarseClock.SAMPLE - 1; i++) {
            pool.enqueue(Work.of(() -> null)).get(10, TimeUnit.SECONDS);
        }
        Gate gate = new Gate();
        Work<String> first = gate.enter(pool, Work.of(gate.task()));
        Work<Object> sleeper = pool.enqueue(Work.of(() -> {
            Thread.sleep(30);
            return null;
        }));
        assertThat(sleeper.id()).as("in the sample").isEqualTo(CoarseClock.SAMPLE);
        eventually().until(() -> pool.pendingWork().get(0).millis() >= 30);

        gate.open();

        sleeper.get(10, TimeUnit.SECONDS);
        eventually().until(() -> timings.size() == CoarseClock.SAMPLE);
        long[] sleeperTimes = timings.stream().filter(t -> t[0] == sleeper.id()).findFirst().orElseThrow();
        assertThat(sleeperTimes[1]).as("waited behind the first").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(sleeperTimes[2]).as("ran while it slept").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(timings).filteredOn(t -> t[0] != sleeper.id()).as("outside the sample, " + first)
                .allSatisfy(t -> assertThat(t).containsExactly(t[0], IoWqListener.NOT_TIMED, IoWqListener.NOT_TIMED));
    }

    @Test
    void oneItemInSixteenIsTimedAndNoneFromItsWorkersLastEnd() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).listener(timingListener).recordTimes(true));
        for (int i = 0; i < 200; i++) {
            pool.enqueue(Work.of(() -> null)).get(10, TimeUnit.SECONDS); // the next arrives after this one ended
        }
        eventually().until(() -> timings.size() == 200);
        assertThat(timings).filteredOn(t -> t[1] != IoWqListener.NOT_TIMED).extracting(t -> t[0])
                .containsExactlyInAnyOrder(16L, 32L, 48L, 64L, 80L, 96L, 112L, 128L, 144L, 160L, 176L, 192L);
        assertThat(timings).filteredOn(t -> t[0] % CoarseClock.SAMPLE == 0).allSatisfy(t -> {
            assertThat(t[1]).as("wait of item %d", t[0]).isNotNegative();
            assertThat(t[2]).as("run of item %d", t[0]).isNotNegative();
        });
    }

    @Test
    void theFirstItemAfterAnIdleSpellIsAgedFromItsOwnAcceptanceNotFromTheLastTick() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).recordTimes(true));
        pool.enqueue(Work.of(() -> null)).get(10, TimeUnit.SECONDS);
        Thread.sleep(300); // nothing accepted: the coarse clock stops
        Gate gate = new Gate();
        Work<String> running = gate.enter(pool, Work.of(gate.task()));
        Work<Object> waiting = pool.enqueue(Work.of(() -> null));

        assertThat(running.id() % CoarseClock.SAMPLE).as("stamped from the coarse clock").isNotZero();
        assertThat(pool.runningWork(false)).singleElement().satisfies(info -> assertThat(info.millis()).isLessThan(200));
        assertThat(pool.pendingWork()).singleElement().satisfies(info -> assertThat(info.millis()).isLessThan(200));
        gate.open();
        waiting.get(10, TimeUnit.SECONDS);
    }

    @Test
    void withoutRecordTimesTheClockIsNotReadAndAgesAreUnknown() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).listener(timingListener));
        Gate gate = new Gate();
        Work<String> running = gate.enter(pool, Work.of(gate.task()));
        Work<Object> waiting = pool.enqueue(Work.of(() -> null));

        assertThat(pool.config().recordTimes()).isFalse();
        assertThat(pool.runningWork(false)).singleElement().satisfies(info -> assertThat(info.millis()).isEqualTo(-1));
        assertThat(pool.pendingWork()).singleElement().satisfies(info -> assertThat(info.millis()).isEqualTo(-1));
        gate.open();
        waiting.get(10, TimeUnit.SECONDS);
        eventually().until(() -> timings.size() == 2);
        assertThat(timings).allSatisfy(t -> assertThat(t).containsExactly(t[0], IoWqListener.NOT_TIMED, IoWqListener.NOT_TIMED));
        assertThat(timings).extracting(t -> t[0]).containsExactlyInAnyOrder(running.id(), waiting.id());
    }

    @Test
    void anItemCancelledBeforeItRanIsHeardWithNoTimes() {
        IoWq pool = pools.start(Pools.bound(1, 1).listener(timingListener));
        Gate gate = Gate.occupying(pool);
        Work<Object> pending = pool.enqueue(Work.of(() -> null));

        pool.cancel(pending.id());

        assertThat(timings).singleElement().satisfies(t -> assertThat(t).containsExactly(pending.id(), IoWqListener.NOT_TIMED, IoWqListener.NOT_TIMED));
        gate.open();
    }
}
