package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Future.cancel(true)} racing the item's own submission, tried hard: one thread submits an
 * item while another cancels it, each after a random few microseconds, so the cancel lands before
 * acceptance, while the item is being queued, while it waits, and as a worker takes it. Whenever the
 * cancel returns true for an item whose task started, the task must see the interrupt (it waits for
 * one up to 5 s). And the pool's count must balance: every item it accepted is counted submitted and
 * counted once as ended, and an item the cancel ended before the pool took it is counted in neither.
 * Prints its seed; {@code -Diowq.seed=...} replays it.
 */
class CancelDuringSubmissionStressTest {

    private static final int ROUNDS = Integer.getInteger("iowq.stress.rounds", 1_000);
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    @RegisterExtension
    final Pools pools = new Pools();

    /** One round's item: its task waits for an interrupt. */
    private static final class Item {
        final AtomicBoolean started = new AtomicBoolean();
        final AtomicBoolean sawInterrupt = new AtomicBoolean();
        final CountDownLatch ended = new CountDownLatch(1);
        final Work<Object> work = Work.of(this::run);

        private Object run() {
            started.set(true);
            try {
                long deadline = System.nanoTime() + PATIENCE_NANOS;
                while (!Thread.currentThread().isInterrupted() && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(100_000);
                }
                sawInterrupt.set(Thread.currentThread().isInterrupted());
                return null;
            } finally {
                ended.countDown();
            }
        }
    }

    @Test
    void aCancelThatWinsAgainstASubmissionEitherKeepsTheTaskFromRunningOrInterruptsIt() throws Exception {
        SplittableRandom random = new SplittableRandom(Seeds.seed("CancelDuringSubmissionStressTest"));
        IoWq pool = pools.start(Pools.bound(2, 2));
        CyclicBarrier go = new CyclicBarrier(2);
        long accepted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Item item = new Item();
            long cancelDelay = random.nextLong(20_000);
            Canceller canceller = new Canceller(go, () -> Races.spin(cancelDelay), item.work);
            await(go);
            Races.spin(random.nextLong(20_000));
            try {
                pool.enqueue(item.work);
                accepted++;
            } catch (IllegalStateException endedBeforeSubmission) {
                // the cancel came first: the item was never submitted
            }
            boolean cancelled = canceller.answer(round);

            assertThat(cancelled).as("round %d: cancel(true) of an item that waits for it (now %s, %s)", round,
                    item.work.state(), item.started.get() ? "started" : "not started").isTrue();
            assertThat(item.work.state()).isEqualTo(Work.State.CANCELLED);
            // Cancelled while it ran, the task may start a moment after the cancel returned (a task
            // that starts later still is not checked: this can miss a violation, never invent one).
            long lookUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
            while (!item.started.get() && System.nanoTime() - lookUntil < 0) {
                Thread.onSpinWait();
            }
            if (item.started.get()) {
                assertThat(item.ended.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(item.sawInterrupt.get())
                        .as("round %d: cancel(true) returned true for a started task that was never interrupted", round)
                        .isTrue();
            }
        }
        assertBalanced(pool, accepted);
    }

    /**
     * Two submissions of the same item race each other and a cancel: at most one is accepted, the
     * other fails, and the pool's count balances (before claims, both could be accepted, and a cancel
     * that ended the item outside the pool left it counted submitted but never ended).
     */
    @Test
    void twoSubmissionsOfOneItemAndItsCancelAcceptItAtMostOnce() throws Exception {
        SplittableRandom random = new SplittableRandom(Seeds.seed("CancelDuringSubmissionStressTest.twice"));
        IoWq pool = pools.start(Pools.bound(2, 2));
        CyclicBarrier go = new CyclicBarrier(3);
        long accepted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Work<Object> work = Work.of(() -> { });
            long[] delays = {random.nextLong(10_000), random.nextLong(10_000), random.nextLong(10_000)};
            boolean cancels = random.nextBoolean();
            int[] acceptedBy = new int[2];
            Thread[] threads = {
                    new Thread(() -> acceptedBy[0] = submitAfter(go, delays[0], pool, work)),
                    new Thread(() -> acceptedBy[1] = submitAfter(go, delays[1], pool, work)),
                    new Thread(() -> {
                        await(go);
                        Races.spin(delays[2]);
                        if (cancels) {
                            work.cancel(true);
                        }
                    })};
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                joinReturned(t, round);
            }
            int n = acceptedBy[0] + acceptedBy[1];
            assertThat(n).as("round %d: submissions accepted of one item", round).isLessThanOrEqualTo(1);
            if (!cancels) {
                assertThat(n).as("round %d: with no cancel, one submission is accepted", round).isEqualTo(1);
            }
            accepted += n;
        }
        assertBalanced(pool, accepted);
    }

    /**
     * A cancel of one link of a long chain while the chain is being accepted (the canceller starts
     * once the head has its pool, or after a random few microseconds): every link must end (before
     * links were made pending last to first, a cancel of the head could find the links behind it
     * still claimed and leave them pending for good), and the counts must balance.
     */
    @Test
    void aCancelDuringAChainsAcceptanceEndsEveryLink() throws Exception {
        SplittableRandom random = new SplittableRandom(Seeds.seed("CancelDuringSubmissionStressTest.chain"));
        IoWq pool = pools.start(Pools.bound(2, 2));
        CyclicBarrier go = new CyclicBarrier(2);
        long accepted = 0;
        for (int round = 0; round < ROUNDS / 5; round++) {
            // Half the rounds cancel the head of a 2,000-link chain as soon as it has its pool (a wide
            // window, while the links behind it are being accepted); the others a random link of a
            // shorter chain after a random delay.
            boolean whenAccepting = random.nextBoolean();
            List<Work<Object>> links = new ArrayList<>();
            links.add(Work.of(() -> { }));
            for (int i = 1, length = whenAccepting ? 2_000 : 2 + random.nextInt(1_000); i < length; i++) {
                links.add(links.get(i - 1).link(Work.of(() -> { })));
            }
            Work<Object> head = links.get(0);
            Work<Object> target = whenAccepting ? head : links.get(random.nextInt(links.size()));
            long delay = random.nextLong(20_000);
            Runnable before = whenAccepting ? () -> awaitPool(head) : () -> Races.spin(delay);
            Canceller canceller = new Canceller(go, before, target);
            await(go);
            boolean submitted;
            try {
                pool.enqueue(head);
                submitted = true;
                accepted += links.size();
            } catch (IllegalStateException cancelledBeforeSubmission) {
                submitted = false; // the cancel came first: no link was submitted
            }
            boolean cancelled = canceller.answer(round);
            if (cancelled) {
                assertThat(target.isCancelled()).as("round %d: the link the cancel ended", round).isTrue();
            }
            if (!submitted) {
                assertThat(cancelled).as("round %d: refused only because of the cancel", round).isTrue();
                assertThat(links).as("round %d: refused, so never submitted", round)
                        .allMatch(w -> w.pool == null && (w == target || w.state() == Work.State.PENDING));
                continue;
            }
            int r = round;
            int targetIndex = links.indexOf(target);
            Pools.eventually().untilAsserted(() -> assertThat(links.stream().filter(w -> !w.isDone())
                    .map(w -> links.indexOf(w) + ":" + w).limit(3).toList())
                    .as("round %d: links not ended (%d links, link %d cancelled, %s)", r, links.size(), targetIndex,
                            whenAccepting ? "once accepting" : "after " + delay + " ns")
                    .isEmpty());
        }
        assertBalanced(pool, accepted);
    }

    /** Waits until {@code work}'s submission has begun to accept it (it has its pool), at most 1 s. */
    private static void awaitPool(Work<?> work) {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (work.pool == null && System.nanoTime() - giveUp < 0) {
            Thread.onSpinWait();
        }
    }

    /** A thread that, once {@code go} trips and {@code before} has run, cancels an item with {@code cancel(true)}. */
    private static final class Canceller {
        private final Thread thread;
        private volatile boolean cancelled;

        Canceller(CyclicBarrier go, Runnable before, Work<?> work) {
            thread = new Thread(() -> {
                await(go);
                before.run();
                cancelled = work.cancel(true);
            });
            thread.start();
        }

        /** What the cancel returned, once it has returned (it must, within 10 s). */
        boolean answer(int round) throws InterruptedException {
            joinReturned(thread, round);
            return cancelled;
        }
    }

    private static void joinReturned(Thread t, int round) throws InterruptedException {
        t.join(10_000);
        assertThat(t.isAlive()).as("round %d: %s returned", round, t).isFalse();
    }

    private static int submitAfter(CyclicBarrier go, long delay, IoWq pool, Work<?> work) {
        await(go);
        Races.spin(delay);
        try {
            pool.enqueue(work);
            return 1;
        } catch (IllegalStateException alreadySubmittedOrEnded) {
            return 0;
        }
    }

    private static void assertBalanced(IoWq pool, long accepted) {
        Pools.eventually().untilAsserted(() -> {
            IoWqStats s = pool.stats();
            assertThat(s.submitted()).as("submitted").isEqualTo(accepted);
            assertThat(s.completed() + s.failed() + s.cancelled()).as("ended, of %s", s).isEqualTo(accepted);
        });
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
