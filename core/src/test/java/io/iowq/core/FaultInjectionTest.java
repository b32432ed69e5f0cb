package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults the pool must survive without losing work: thread creation that fails at random, tasks
 * that throw errors or overflow their stack, swallow interrupts or never end, context hooks and
 * listeners that throw, and a million distinct keys passing through.
 */
class FaultInjectionTest {

    private IoWq pool;

    @AfterEach
    void shutDown() throws InterruptedException {
        if (pool != null) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void threadCreationFailingAtRandomLosesNoWork() throws Exception {
        long seed = Long.getLong("iowq.seed", System.nanoTime());
        System.out.println("threadCreationFailingAtRandomLosesNoWork seed=" + seed);
        SplittableRandom random = new SplittableRandom(seed);
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger asked = new AtomicInteger();
        ThreadFactory flaky = r -> {
            // the first worker is made at construction, where a failure fails the constructor
            if (asked.getAndIncrement() > 0) {
                synchronized (random) {
                    if (random.nextInt(3) == 0) {
                        refused.incrementAndGet();
                        throw new OutOfMemoryError("unable to create native thread (simulated)");
                    }
                }
            }
            return new Thread(r);
        };
        pool = new IoWq(IoWqConfig.builder().maxWorkers(WorkClass.BOUND, 8).concurrency(WorkClass.BOUND, 2)
                .maxWorkers(WorkClass.UNBOUND, 8).idleTimeout(Duration.ofMillis(5)).threadFactory(flaky).build());
        List<Work<?>> works = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Work<Object> w = Work.of(() -> Blocking.run(() -> LockSupport.parkNanos(20_000)));
            works.add(pool.enqueue(i % 4 == 0 ? w.unbound() : w));
        }
        for (Work<?> w : works) {
            w.get(30, TimeUnit.SECONDS);
        }
        // an item's end is counted just after its future completes
        await().until(() -> pool.stats().completed() == 5_000);
        IoWqStats s = pool.stats();
        assertThat(refused.get()).isPositive();
        assertThat(s.creationFailures()).isPositive();
        assertThat(s.submitted()).isEqualTo(5_000);
    }

    @Test
    void tasksThatThrowErrorsFailAloneAndTheWorkersGoOn() throws Exception {
        pool = new IoWq(IoWqConfig.builder().maxWorkers(WorkClass.BOUND, 2).build());
        Work<?> runtime = pool.enqueue(Work.of(() -> {
            throw new IllegalStateException("boom");
        }));
        Work<?> error = pool.enqueue(Work.of(() -> {
            throw new AssertionError("an Error");
        }));
        Work<?> overflow = pool.enqueue(Work.of(() -> recurse(0)));
        List<Work<?>> after = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            after.add(pool.enqueue(Work.of(() -> Thread.currentThread().getName())));
        }
        for (Work<?> w : after) {
            assertThat(w.get(10, TimeUnit.SECONDS)).isNotNull();
        }
        await().until(() -> runtime.isDone() && error.isDone() && overflow.isDone());
        assertThat(runtime.failure()).isInstanceOf(IllegalStateException.class);
        assertThat(error.failure()).isInstanceOf(AssertionError.class);
        assertThat(overflow.failure()).isInstanceOf(StackOverflowError.class);
        await().until(() -> pool.stats().failed() == 3);
        assertThat(pool.stats().bounded().workers()).isLessThanOrEqualTo(2);
    }

    @Test
    void unboundWorkIsRefusedOnlyWhenItNeedsAWorkerAndTheProcessIsAtItsThreadLimit() throws Exception {
        // a limit of 1 thread: this process is past it, so no unbound worker may be created
        pool = new IoWq(IoWqConfig.builder().threadLimit(ThreadLimit.of(1)).build());
        assertThat(pool.enqueue(Work.of(() -> "bound")).get(10, TimeUnit.SECONDS)).isEqualTo("bound");
        assertThatThrownBy(() -> pool.enqueue(Work.of(() -> "unbound").unbound()))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("thread limit (1 from configured)");
        assertThat(pool.stats().rejected()).isEqualTo(1);
        assertThat(pool.stats().submitted()).isEqualTo(1);
    }

    @Test
    void unboundWorkAtMaxWorkersWaitsForAWorkerInsteadOfBeingRefused() throws Exception {
        pool = new IoWq(IoWqConfig.builder().maxWorkers(WorkClass.UNBOUND, 1).build());
        CountDownLatch release = new CountDownLatch(1);
        Work<?> blocker = pool.enqueue(Work.of(() -> Blocking.call(() -> release.await(10, TimeUnit.SECONDS))).unbound());
        await().until(() -> pool.stats().unbounded().blocked() == 1);
        Work<String> waiting = pool.enqueue(Work.of(() -> "ran").unbound());
        release.countDown();
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(blocker.get(10, TimeUnit.SECONDS)).isEqualTo(true);
        assertThat(pool.stats().rejected()).isZero();
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    @Test
    void aTaskThatSwallowsItsInterruptIsCancelledAndTheInterruptGoesNoFurther() throws Exception {
        pool = new IoWq(IoWqConfig.builder().maxWorkers(WorkClass.BOUND, 1).observeBlocking(false).build());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger swallowed = new AtomicInteger();
        Work<Object> stubborn = pool.enqueue(Work.of(() -> {
            started.countDown();
            while (finish.getCount() > 0) {
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    swallowed.incrementAndGet(); // and carries on
                }
            }
        }));
        Work<Boolean> next = pool.enqueue(Work.of(() -> Thread.currentThread().isInterrupted()));
        started.await();
        assertThat(pool.cancel(stubborn.id())).isEqualTo(CancelResult.RUNNING);
        assertThat(stubborn.isCancelled()).isTrue();
        await().until(() -> swallowed.get() == 1);
        finish.countDown();
        // the same (only) worker runs the next item, with no interrupt left over
        assertThat(next.get(10, TimeUnit.SECONDS)).isFalse();
        await().until(() -> pool.stats().completed() == 1);
        assertThat(pool.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void tasksThatNeverEndLeaveThePoolServingAndShutdownNowReportsThem() throws Exception {
        pool = new IoWq(IoWqConfig.builder().maxWorkers(WorkClass.BOUND, 4).concurrency(WorkClass.BOUND, 2)
                .build());
        AtomicBoolean release = new AtomicBoolean();
        List<Work<?>> endless = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            endless.add(pool.enqueue(Work.of(() -> {
                while (!release.get()) {
                    LockSupport.parkNanos(1_000_000); // ignores interrupts
                }
            }).noCancel()));
        }
        await().until(() -> pool.runningWork(false).size() == 2);
        assertThat(pool.cancel(endless.get(0).id())).isEqualTo(CancelResult.RUNNING);
        List<Work<?>> others = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            others.add(pool.enqueue(Work.of(() -> 1)));
        }
        for (Work<?> w : others) {
            assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        pool.shutdownNow();
        assertThat(pool.awaitTermination(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(pool.runningWork(false)).extracting(WorkInfo::id)
                .containsExactlyInAnyOrder(endless.get(0).id(), endless.get(1).id());
        release.set(true);
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(endless).allMatch(w -> w.state() == Work.State.COMPLETED);
    }

    @Test
    void aContextHookThatFailsToRestoreIsCountedAndWorkGoesOn() throws Exception {
        pool = new IoWq(IoWqConfig.builder().contextHook(() -> () -> () -> {
            throw new IllegalStateException("restore failed");
        }).build());
        List<Work<?>> works = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            works.add(pool.enqueue(Work.of(() -> 1)));
        }
        for (Work<?> w : works) {
            assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(pool.hookFailures()).isEqualTo(100);
    }

    @Test
    void aListenerThatThrowsCannotBreakThePool() throws Exception {
        pool = new IoWq(IoWqConfig.builder().listener(new IoWqListener() {
            @Override
            public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                throw new IllegalStateException("meter registry down");
            }
        }).build());
        AtomicInteger callbacks = new AtomicInteger();
        List<Work<?>> works = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Work<Integer> w = pool.enqueue(Work.of(() -> 1));
            w.whenDone(callbacks::incrementAndGet);
            works.add(w);
        }
        for (Work<?> w : works) {
            assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        await().until(() -> callbacks.get() == 100);
        assertThat(pool.hookFailures()).isEqualTo(100);
        assertThat(pool.stats().completed()).isEqualTo(100);
    }

    @Test
    void aMillionDistinctKeysPassThroughAndLeaveNothingBehind() throws Exception {
        pool = new IoWq(IoWqConfig.builder().build());
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long baseline = usedHeapAfterGc(memory);
        int batch = 50_000;
        for (int start = 0; start < 1_000_000; start += batch) {
            Work<?> last = null;
            for (long key = start; key < start + batch; key++) {
                last = pool.enqueue(Work.of(() -> null).hashed(key));
            }
            last.get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats().completed() == 1_000_000);
        assertThat(pool.stats().activeKeys()).isZero();
        // key state follows the keys in flight, not the keys ever seen
        await().atMost(Duration.ofSeconds(30)).until(() -> usedHeapAfterGc(memory) - baseline < 16L << 20);
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
