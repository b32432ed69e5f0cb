package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.8: shutdown drains, shutdownNow cancels, and every accepted item ends exactly once. */
class ShutdownTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final Runs runs = new Runs();

    @Test
    void shutdownDrainsQueuedWorkThenTerminatesLeavingNoThread() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate gate = new Gate();
        Work<String> running = gate.enter(pool, Work.of(gate.task()));
        List<Work<?>> queued = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            queued.add(pool.enqueue(runs.item()));
            queued.add(pool.enqueue(runs.item().hashed("k")));
        }
        Work<Object> head = runs.item();
        queued.add(head.link(runs.item().unbound()));
        queued.add(pool.enqueue(head));

        pool.shutdown();

        assertThat(pool.isShutdown()).isTrue();
        assertThat(pool.awaitTermination(50, TimeUnit.MILLISECONDS)).as("work is still queued").isFalse();
        assertThat(pool.isTerminated()).isFalse();
        gate.open();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.threads()).as("workers and the manager are gone").isEmpty();
        assertThat(running.state()).isEqualTo(Work.State.COMPLETED);
        assertThat(queued).allMatch(w -> w.state() == Work.State.COMPLETED);
        assertThat(runs.count()).isEqualTo(10);
        IoWqStats stats = pool.stats();
        assertThat(stats.completed()).isEqualTo(stats.submitted()).isEqualTo(11);
        assertThat(stats.bounded().workers() + stats.unbounded().workers()).isZero();
    }

    @Test
    void anIdlePoolTerminatesAtOnceOnShutdown() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        pool.submit(() -> "warm").get(10, TimeUnit.SECONDS);

        pool.shutdown();

        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.threads()).isEmpty();
    }

    @Test
    void submissionsAfterShutdownAreRejectedAndCounted() {
        AtomicInteger toldRejected = new AtomicInteger();
        IoWq pool = pools.start(Pools.quiet().listener(new IoWqListener() {
            @Override
            public void workRejected(Work<?> work) {
                toldRejected.incrementAndGet();
            }
        }));
        pool.shutdown();

        assertThatThrownBy(() -> pool.enqueue(runs.item().describedAs("late")))
                .isInstanceOf(RejectedExecutionException.class).hasMessage("iowq is shut down: refused late");
        assertThatThrownBy(() -> pool.execute(runs.item())).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pool.submit(() -> "late")).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pool.enqueue(runs.item().unbound())).isInstanceOf(RejectedExecutionException.class);

        IoWqStats stats = pool.stats();
        assertThat(stats.rejected()).isEqualTo(4);
        assertThat(stats.submitted()).isZero();
        assertThat(toldRejected.get()).isEqualTo(4);
        assertThat(runs.count()).isZero();
    }

    /** During the drain the pool's own running items may still submit (as running work links more in the seed); no other thread may. */
    @Test
    void runningWorkMaySubmitDuringTheDrainOthersMayNot() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        CountDownLatch shutDown = new CountDownLatch(1);
        Work<Work<String>> parent = pool.enqueue(Work.of(() -> {
            shutDown.await(10, TimeUnit.SECONDS);
            return pool.enqueue(Work.of(() -> "submitted by running work during the drain").unbound());
        }));
        eventually().until(() -> parent.state() == Work.State.RUNNING);

        pool.shutdown();
        assertThatThrownBy(() -> pool.enqueue(Work.of(() -> "outside"))).isInstanceOf(RejectedExecutionException.class);
        shutDown.countDown();

        assertThat(parent.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS))
                .isEqualTo("submitted by running work during the drain");
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.stats().rejected()).isEqualTo(1);
    }

    @Test
    void shutdownNowCancelsWhatIsPendingAndInterruptsWhatRuns() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate gate = new Gate();
        AtomicBoolean interrupted = new AtomicBoolean();
        Work<String> running = gate.enter(pool, Work.of(gate.task(interrupted)));
        List<Long> pendingIds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            pendingIds.add(pool.enqueue(runs.item()).id());
            pendingIds.add(pool.enqueue(runs.item().hashed("k")).id());
        }
        Work<Object> head = runs.item();
        Work<Object> link = head.link(runs.item());
        pendingIds.add(pool.enqueue(head).id());
        pendingIds.add(link.id());

        List<Runnable> cancelled = pool.shutdownNow();

        assertThat(cancelled).hasSize(6).allSatisfy(r -> {
            assertThat(r).isInstanceOf(Work.class);
            assertThat(((Work<?>) r).state()).isEqualTo(Work.State.CANCELLED);
        });
        assertThat(cancelled).extracting(r -> ((Work<?>) r).id()).containsExactlyInAnyOrderElementsOf(pendingIds);
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(interrupted).isTrue();
        assertThat(running.state()).as("a running item keeps its own outcome, as in the JDK's executors")
                .isEqualTo(Work.State.FAILED);
        assertThat(runs.count()).isZero();
        assertThat(pool.threads()).isEmpty();
        assertThat(pool.stats().cancelled()).isEqualTo(6);
        assertThat(pool.stats().failed()).isEqualTo(1);
        assertThat(pool.stats().activeKeys()).isZero();
    }

    @Test
    void shutdownNowLeavesARunningItemItsOwnOutcome() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        CountDownLatch started = new CountDownLatch(2);
        Work<String> returns = pool.enqueue(Work.of(() -> {
            started.countDown();
            try {
                Thread.sleep(10_000);
                return "slept";
            } catch (InterruptedException e) {
                return "interrupted, and returned";
            }
        }));
        Work<String> throwsOnInterrupt = pool.enqueue(Work.of(() -> {
            started.countDown();
            Thread.sleep(10_000);
            return "slept";
        }));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        pool.shutdownNow();

        assertThat(returns.get(10, TimeUnit.SECONDS)).isEqualTo("interrupted, and returned");
        assertThatThrownBy(() -> throwsOnInterrupt.get(10, TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.ExecutionException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.stats().completed()).isEqualTo(1);
        assertThat(pool.stats().failed()).isEqualTo(1);
    }

    @Test
    void shutdownNowWaitsForARunningNoCancelItem() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate gate = new Gate();
        Work<String> running = gate.enter(pool, Work.of(gate.task()).noCancel());

        assertThat(pool.shutdownNow()).isEmpty();

        assertThat(pool.awaitTermination(50, TimeUnit.MILLISECONDS)).isFalse();
        gate.open();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(running.state()).isEqualTo(Work.State.COMPLETED);
    }

    @Test
    void everyAcceptedItemEndsExactlyOnceWhateverHappens() throws Exception {
        long seed = Seeds.seed("ShutdownTest.everyAcceptedItemEndsExactlyOnceWhateverHappens");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 30; round++) {
            new EndsExactlyOnce(random.split(), "seed " + seed + ", round " + round).run();
        }
    }

    /**
     * A refused item is as if never submitted: no id, still pending; run by hand ({@code runByHand})
     * it ends, else its cancel ends it (if a racing one has not already). What is not so is added to
     * {@code violations}.
     */
    private static void refusedAsNeverSubmitted(Work<?> work, boolean runByHand, List<String> violations) {
        List<String> found = new ArrayList<>();
        if (work.id() != 0 || (work.state() != Work.State.PENDING && !work.isCancelled())) {
            found.add("refused but not as never submitted: " + work);
        }
        if (runByHand) {
            work.run(); // it runs if not cancelled
            if (!work.isDone()) {
                found.add("refused, run by hand, yet not done: " + work);
            }
        } else if (!work.isCancelled() && !work.cancel(true)) {
            found.add("refused, yet its cancel failed: " + work);
        }
        synchronized (violations) {
            violations.addAll(found);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One pool: submitters and a canceller race a shutdown or shutdownNow at a random moment; some items'
     * own {@code Future.cancel} races their submission, and some refused items are then run by hand
     * (a refused item must be as if never submitted).
     */
    private final class EndsExactlyOnce {
        final SplittableRandom random;
        final String replay;
        final List<Work<?>> accepted = new ArrayList<>();
        final List<AtomicInteger> ends = new ArrayList<>();
        final AtomicInteger refused = new AtomicInteger();
        final List<String> violations = new ArrayList<>();

        EndsExactlyOnce(SplittableRandom random, String replay) {
            this.random = random;
            this.replay = replay;
        }

        void run() throws Exception {
            IoWq pool = pools.start(Pools.quiet().idleTimeout(Duration.ofMillis(random.nextInt(1, 20)))
                    .maxWorkers(WorkClass.BOUND, 3).concurrency(WorkClass.BOUND, 2)
                    .maxWorkers(WorkClass.UNBOUND, 3).concurrency(WorkClass.UNBOUND, 1));
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> submitters = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                SplittableRandom r = random.split();
                Thread t = new Thread(() -> submit(pool, r, go));
                submitters.add(t);
                t.start();
            }
            SplittableRandom r = random.split();
            Thread canceller = new Thread(() -> {
                while (!pool.isShutdown()) {
                    if (r.nextBoolean()) {
                        pool.cancelKey("k" + r.nextInt(4));
                    } else {
                        pool.cancel(r.nextInt(1, 400));
                    }
                    LockSupport.parkNanos(r.nextInt(100_000));
                }
            });
            canceller.start();
            go.countDown();
            LockSupport.parkNanos(random.nextInt(5_000_000));
            boolean now = random.nextBoolean();
            if (now) {
                pool.shutdownNow();
            } else {
                pool.shutdown();
            }
            for (Thread t : submitters) {
                t.join();
            }
            canceller.join();

            assertThat(violations).as(replay).isEmpty();
            assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).as(replay).isTrue();
            for (int i = 0; i < accepted.size(); i++) {
                Work<?> w = accepted.get(i);
                assertThat(w.isDone()).as("%s: %s", replay, w).isTrue();
                assertThat(ends.get(i).get()).as("%s: whenDone runs of %s", replay, w).isEqualTo(1);
            }
            IoWqStats stats = pool.stats();
            assertThat(stats.submitted()).as(replay).isEqualTo(accepted.size());
            assertThat(stats.completed() + stats.failed() + stats.cancelled()).as(replay).isEqualTo(stats.submitted());
            assertThat(stats.rejected()).as(replay).isEqualTo(refused.get());
            if (!now) {
                assertThat(stats.cancelled()).as("%s: only the canceller cancels on shutdown()", replay)
                        .isLessThanOrEqualTo(accepted.size());
            }
            assertThat(pool.threads()).as(replay).isEmpty();
        }

        private void submit(IoWq pool, SplittableRandom r, CountDownLatch go) {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < 100 && !pool.isShutdown(); i++) {
                List<Work<?>> chain = new ArrayList<>();
                Work<?> head = item(r);
                chain.add(head);
                if (r.nextInt(4) == 0) {
                    chain.add(chain.get(0).link(item(r)));
                }
                List<AtomicInteger> counters = new ArrayList<>();
                for (Work<?> w : chain) {
                    AtomicInteger n = new AtomicInteger();
                    w.whenDone(n::incrementAndGet);
                    counters.add(n);
                }
                // Now and then the item's own cancel races its submission.
                Thread futureCancel = r.nextInt(8) == 0 ? Races.cancelAfter(r.nextInt(20_000), head) : null;
                boolean taken;
                try {
                    pool.enqueue(head);
                    taken = true;
                } catch (RejectedExecutionException e) {
                    refused.incrementAndGet();
                    taken = false;
                } catch (IllegalStateException cancelledBeforeSubmission) {
                    taken = false;
                }
                join(futureCancel);
                if (!taken) {
                    refusedAsNeverSubmitted(head, r.nextBoolean(), violations);
                    continue;
                }
                synchronized (accepted) {
                    accepted.addAll(chain);
                    ends.addAll(counters);
                }
            }
        }

        private void join(Thread t) {
            joinQuietly(t);
            if (t != null && t.isAlive()) {
                synchronized (violations) {
                    violations.add("a future's cancel did not return");
                }
            }
        }

        private Work<?> item(SplittableRandom r) {
            long nanos = r.nextInt(200_000);
            Work<Object> w = switch (r.nextInt(5)) {
                case 0 -> Work.of(() -> {
                    throw new IllegalStateException("fails");
                });
                case 1 -> Work.of(() -> Blocking.run(() -> LockSupport.parkNanos(nanos)));
                case 2 -> Work.of(() -> {
                    Thread.sleep(0, (int) (nanos % 1_000_000));
                    return null;
                });
                default -> Work.of(() -> LockSupport.parkNanos(nanos));
            };
            if (r.nextInt(3) == 0) {
                w.hashed("k" + r.nextInt(4));
            }
            if (r.nextInt(5) == 0) {
                w.unbound();
            }
            if (r.nextInt(6) == 0) {
                w.noCancel();
            }
            if (r.nextInt(6) == 0) {
                w.concurrent();
            }
            return w;
        }
    }

    /**
     * {@code shutdownNow} cancels every pending item, the links a worker is about to run next
     * included: no item that starts after it returns completes (one running then is cancelled, and
     * its body may still run, interrupted). Chains {@code a -> b -> c} of tiny items race a
     * {@code shutdownNow} at a random moment, many rounds; a worker that finishes {@code a} just as
     * the cancel holds the account lock must not run {@code b} to completion after the cancel missed it.
     */
    @Test
    void noItemStartedAfterShutdownNowReturnsCompletes() throws Exception {
        long seed = Seeds.seed("ShutdownTest.noItemStartedAfterShutdownNowReturnsCompletes");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            IoWq pool = new IoWq(Pools.bound(2, 2).build());
            AtomicBoolean stopped = new AtomicBoolean();
            List<Work<?>> items = new ArrayList<>();
            List<AtomicBoolean> startedAfter = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                AtomicBoolean after = new AtomicBoolean();
                startedAfter.add(after);
                // started after shutdownNow returned: it sees the flag, and no interrupt was sent to it
                items.add(Work.of(() -> after.set(stopped.get() && !Thread.currentThread().isInterrupted())));
            }
            for (int i = 0; i < 600; i += 3) {
                items.get(i).link(items.get(i + 1)).link(items.get(i + 2));
                pool.enqueue(items.get(i));
            }
            LockSupport.parkNanos(random.nextInt(300_000));
            pool.shutdownNow();
            stopped.set(true);
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < items.size(); i++) {
                assertThat(startedAfter.get(i).get() && items.get(i).state() == Work.State.COMPLETED)
                        .as("item %d started after shutdownNow returned and completed; seed %d, round %d", i, seed, round)
                        .isFalse();
            }
        }
    }
}
