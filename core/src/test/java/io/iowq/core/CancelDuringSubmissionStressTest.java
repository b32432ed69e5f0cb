package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

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
 * one up to 5 s). Prints its seed;
 * {@code -Diowq.seed=...} replays it.
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
        for (int round = 0; round < ROUNDS; round++) {
            Item item = new Item();
            long cancelDelay = random.nextLong(20_000);
            boolean[] cancelled = new boolean[1];
            Thread canceller = new Thread(() -> {
                await(go);
                spin(cancelDelay);
                cancelled[0] = item.work.cancel(true);
            });
            canceller.start();
            await(go);
            spin(random.nextLong(20_000));
            try {
                pool.enqueue(item.work);
            } catch (IllegalStateException endedBeforeSubmission) {
                // the cancel came first: the item was never submitted
            }
            canceller.join(10_000);

            assertThat(cancelled[0]).as("round %d: cancel(true) of an item that waits for it (now %s, %s)", round,
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
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
