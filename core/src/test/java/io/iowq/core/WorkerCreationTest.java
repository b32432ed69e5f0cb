package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.7: the process thread limit for unbound work, and thread factories that fail. */
class WorkerCreationTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final Queue<String> events = new ConcurrentLinkedQueue<>();

    private final IoWqListener listener = new IoWqListener() {
        @Override
        public void workRejected(Work<?> work) {
            events.add("rejected " + work.description());
        }

        @Override
        public void workerCreationFailed(WorkClass workClass, Throwable cause) {
            events.add("no " + workClass.tag() + " worker: " + cause.getMessage());
        }
    };

    /** A factory that fails its next {@code failures} calls once armed, then creates threads again. */
    private static final class FlakyFactory implements ThreadFactory {
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("no thread for you");
            }
            return new Thread(r);
        }
    }

    /** A factory that, once armed, holds its next call until released and then fails it. */
    private static final class HeldFactory implements ThreadFactory {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;

        @Override
        public Thread newThread(Runnable r) {
            if (armed) {
                armed = false;
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("no thread for you");
            }
            return new Thread(r);
        }
    }

    private static boolean parked(String name) {
        return liveThreadsNamed(name).stream().anyMatch(t -> t.getState() == Thread.State.TIMED_WAITING
                || t.getState() == Thread.State.WAITING);
    }

    private static List<Thread> liveThreadsNamed(String prefix) {
        List<Thread> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                found.add(t);
            }
        }
        return found;
    }

    @Test
    void anUnboundItemIsRefusedWhenItsOnlyWorkerIsBlockedAndTheProcessIsAtItsThreadLimit() throws Exception {
        ThreadLimit limit = ThreadLimit.of(ThreadLimit.aliveThreads() + 40);
        IoWq pool = pools.start(Pools.quiet().threadLimit(limit).listener(listener)
                .maxWorkers(WorkClass.UNBOUND, 4).concurrency(WorkClass.UNBOUND, 1));
        Gate gate = new Gate();
        Work<String> blocked = pool.enqueue(Work.of(gate.blockingTask()).unbound());
        eventually().until(() -> pool.stats().unbounded().blocked() == 1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> fillers = new ArrayList<>();
        try {
            while (ThreadLimit.aliveThreads() < limit.limit() + 8) {
                Thread filler = new Thread(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                filler.start();
                fillers.add(filler);
            }

            assertThatThrownBy(() -> pool.enqueue(Work.of(() -> "x").unbound().describedAs("refused")))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("thread limit (" + limit.limit() + " from configured)");
            assertThat(pool.stats().rejected()).isEqualTo(1);
            assertThat(events).containsExactly("rejected refused");
            assertThat(pool.submit(() -> "bound").get(10, TimeUnit.SECONDS)).as("bound work is never refused")
                    .isEqualTo("bound");

            gate.open();
            blocked.get(10, TimeUnit.SECONDS);
            eventually().until(() -> pool.stats().unbounded().idle() == 1);
            assertThat(pool.enqueue(Work.of(() -> "accepted").unbound()).get(10, TimeUnit.SECONDS))
                    .as("a free unbound worker takes it, limit or not").isEqualTo("accepted");
            assertThat(pool.stats().submitted()).isEqualTo(3);
        } finally {
            release.countDown();
            for (Thread filler : fillers) {
                filler.join();
            }
        }
    }

    @Test
    void aThreadFactoryThatFailsAtStartFailsConstructionClearlyAndLeavesNoThread() {
        IoWqConfig config = Pools.quiet().threadNamePrefix("failing-start-").threadFactory(r -> {
            throw new IllegalStateException("no thread for you");
        }).build();

        assertThatIllegalStateException().isThrownBy(() -> new IoWq(config))
                .withMessage("iowq: could not start the first bound worker with the configured ThreadFactory: "
                        + "java.lang.IllegalStateException: no thread for you")
                .withCauseInstanceOf(IllegalStateException.class);
        eventually().until(() -> liveThreadsNamed("failing-start-").isEmpty());
    }

    @Test
    void aThreadFactoryThatReturnsNullFailsConstructionClearly() {
        IoWqConfig config = Pools.quiet().threadNamePrefix("null-start-").threadFactory(r -> null).build();

        assertThatIllegalStateException().isThrownBy(() -> new IoWq(config))
                .withMessageContaining("ThreadFactory returned null");
        eventually().until(() -> liveThreadsNamed("null-start-").isEmpty());
    }

    @Test
    void anItemWhoseWorkerCannotBeCreatedStaysQueuedAndRunsWhenTheManagerRetries() throws Exception {
        FlakyFactory factory = new FlakyFactory();
        IoWq pool = pools.start(Pools.quiet().threadFactory(factory).listener(listener));
        factory.failures.set(3);

        Work<String> item = pool.enqueue(Work.of(() -> Thread.currentThread().getName()).unbound());

        assertThat(item.get(10, TimeUnit.SECONDS)).startsWith("iowq-u-");
        assertThat(pool.stats().creationFailures()).isEqualTo(3);
        assertThat(events).containsExactly("no unbounded worker: no thread for you",
                "no unbounded worker: no thread for you", "no unbounded worker: no thread for you");
        assertThat(pool.stats().unbounded().workers()).isEqualTo(1);
    }

    /**
     * A failure holds the class at the workers it has (none) until a creation succeeds; the item that
     * wanted the worker is cancelled before the failure, so the manager's retry finds nothing waiting
     * and creates nothing. The next item still gets a worker: a worker the limit refuses has the
     * manager try again.
     */
    @Test
    void aClassHeldByAFailureWhoseRetryFoundNothingWaitingCreatesAWorkerForTheNextItem() throws Exception {
        HeldFactory factory = new HeldFactory();
        IoWq pool = pools.start(Pools.quiet().threadFactory(factory).listener(listener));
        factory.armed = true;
        Work<String> cancelled = Work.of(() -> "never").unbound();
        CompletableFuture<Void> submitting = CompletableFuture.runAsync(() -> pool.enqueue(cancelled));
        assertThat(factory.entered.await(10, TimeUnit.SECONDS)).isTrue(); // accepted; its worker's creation is held
        assertThat(cancelled.cancel(false)).isTrue();
        factory.release.countDown(); // the creation fails now, with nothing waiting
        submitting.get(10, TimeUnit.SECONDS);
        eventually().until(() -> pool.accounts()[1].creation.retryDue == WorkerCreation.NO_RETRY); // the retry came

        Work<String> next = pool.enqueue(Work.of(() -> Thread.currentThread().getName()).unbound());

        assertThat(next.get(10, TimeUnit.SECONDS)).startsWith("iowq-u-");
        assertThat(events).containsExactly("no unbounded worker: no thread for you");
    }

    @Test
    void boundWorkWaitingBehindABlockedWorkerRunsOnceAWorkerCanBeCreated() throws Exception {
        FlakyFactory factory = new FlakyFactory();
        IoWq pool = pools.start(Pools.bound(2, 1).threadFactory(factory));
        Gate gate = new Gate();
        Work<String> blocked = gate.blockIn(pool, 1).get(0);
        eventually().until(() -> pool.stats().bounded().blocked() == 1);
        factory.failures.set(2);

        Work<String> waiting = pool.enqueue(Work.of(() -> Thread.currentThread().getName()));

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-4");
        assertThat(blocked.isDone()).isFalse();
        assertThat(pool.stats().creationFailures()).isEqualTo(2);
        gate.open();
        assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1");
    }

    /**
     * A new worker is reserved for an item (counted running, so the next submission wakes nobody);
     * then the worker's thread fails to start. A free worker takes its place: the item runs while the
     * class's other worker is still busy.
     */
    @Test
    void anItemThatCountedOnAWorkerWhoseThreadFailedRunsOnAFreeWorker() throws Exception {
        HeldFactory factory = new HeldFactory();
        IoWq pool = pools.start(Pools.bound(3, 3).threadFactory(factory));
        Gate busy = Gate.occupying(pool);
        Gate second = Gate.occupying(pool); // creates the second worker
        factory.armed = true;
        Thread submitter = new Thread(() -> pool.enqueue(Work.of(() -> "third"))); // reserves a third worker
        submitter.start();
        assertThat(factory.entered.await(10, TimeUnit.SECONDS)).isTrue();
        second.open(); // the second worker runs "third" itself, then goes idle
        // Parked, not still taking its last look at the queue on its way to idle (it would take the item itself).
        eventually().until(() -> pool.stats().bounded().idle() == 1 && parked("iowq-b-2"));

        Work<String> item = pool.enqueue(Work.of(() -> "counted on the third worker"));
        factory.release.countDown();

        assertThat(item.get(5, TimeUnit.SECONDS)).isEqualTo("counted on the third worker"); // the busy gate holds 10 s
        submitter.join(10_000); // the failure is counted in the submitting thread, maybe after the item ran
        assertThat(pool.stats().creationFailures()).isEqualTo(1);
        busy.open();
    }

    @Test
    void aClassThatCannotGetItsFirstWorkerCancelsItsQueuedWork() throws Exception {
        FlakyFactory factory = new FlakyFactory();
        IoWq pool = pools.start(Pools.quiet().threadFactory(factory));
        factory.failures.set(Integer.MAX_VALUE);

        Work<String> item = pool.enqueue(Work.of(() -> "never").unbound());

        eventually().until(item::isDone);
        assertThat(item.isCancelled()).isTrue();
        assertThat(pool.stats().creationFailures()).isEqualTo(WorkerCreation.MAX_FAILURES_WITHOUT_WORKERS);
        eventually().until(() -> pool.stats().cancelled() == 1);
        assertThat(pool.stats().unbounded().pending()).isZero();
        factory.failures.set(0);
        assertThat(pool.enqueue(Work.of(() -> "later").unbound()).get(10, TimeUnit.SECONDS)).isEqualTo("later");
    }

    /** The callbacks are user code: on the manager thread one that takes its time would stop the sampling of the whole pool. */
    @Test
    void workCancelledWhenAClassGivesUpIsCalledBackOutsideTheManagerThread() throws Exception {
        FlakyFactory factory = new FlakyFactory();
        IoWq pool = pools.start(Pools.quiet().threadFactory(factory));
        factory.failures.set(Integer.MAX_VALUE);
        CompletableFuture<String> calledBackIn = new CompletableFuture<>();
        Work<String> item = Work.of(() -> "never").unbound();
        item.whenDone(() -> calledBackIn.complete(Thread.currentThread().getName()));

        pool.enqueue(item);

        assertThat(calledBackIn.get(10, TimeUnit.SECONDS)).isEqualTo(pool.config().threadNamePrefix() + "cancel-stranded");
        assertThat(item.isCancelled()).isTrue();
        assertThat(pool.stats().creationFailures()).isEqualTo(WorkerCreation.MAX_FAILURES_WITHOUT_WORKERS);
    }

    /**
     * The system refuses every thread past the first: the pool keeps running on the worker it has,
     * holds the class at that many, and tries again at a delay that doubles, instead of a creation
     * per submission and per 5 ms. (Measured on the first form: hundreds of failed creations in 2 s.)
     */
    @Test
    void creationFailuresBackOffAndHoldTheClassAtWhatTheSystemGives() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        IoWq pool = pools.start(Pools.bound(4, 4).threadFactory(r -> {
            if (calls.incrementAndGet() > 1) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
            return new Thread(r);
        }));
        Gate gate = new Gate();
        List<Work<String>> held = gate.blockIn(pool, 1);
        for (int i = 0; i < 50; i++) {
            pool.enqueue(Work.of(() -> "queued"));
        }

        Thread.sleep(2_000); // the span the retries are counted over, not a wait for an event
        int failed = calls.get() - 1;

        assertThat(failed).as("failed creations in 2 s").isBetween(1, 12);
        assertThat(pool.stats().creationFailures()).isEqualTo(failed);
        assertThat(pool.stats().bounded().workerLimit()).isEqualTo(1);
        assertThat(pool.stats().bounded().creationLimited()).isTrue();
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
        gate.open();
        assertThat(held.get(0).get(10, TimeUnit.SECONDS)).isNotNull();
        eventually().until(() -> pool.stats().completed() == 51);
    }
}
