package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Section 2.5, cancellation: pending items are removed ({@code OK}), running ones interrupted unless
 * NO_CANCEL ({@code RUNNING}), anything else is {@code NOT_FOUND}; an interrupt reaches only its target.
 */
class CancellationTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final Runs runs = new Runs();
    private final Gate gate = new Gate();
    private final AtomicBoolean interrupted = new AtomicBoolean();

    /** Runs an item that waits at {@link #gate} and records in {@link #interrupted} whether it was interrupted. */
    private Work<String> running(IoWq pool) {
        return gate.enter(pool, Work.of(gate.task(interrupted)));
    }

    private static void assertCancelled(Work<?> w) {
        assertThat(w.state()).isEqualTo(Work.State.CANCELLED);
        assertThatThrownBy(() -> w.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellingAPendingItemRemovesItAndItNeverRuns() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        Work<Object> pending = pool.enqueue(runs.item());

        assertThat(pool.cancel(pending.id())).isEqualTo(CancelResult.OK);

        assertCancelled(pending);
        assertThat(pool.stats().pending()).isZero();
        assertThat(pool.pendingWork()).isEmpty();
        gate.open();
        pool.enqueue(runs.item()).get(10, TimeUnit.SECONDS);
        assertThat(runs.count()).as("only the later item ran").isEqualTo(1);
        assertThat(pool.stats().cancelled()).isEqualTo(1);
        assertThat(pool.cancel(pending.id())).isEqualTo(CancelResult.NOT_FOUND);
    }

    @Test
    void cancellingARunningItemInterruptsIt() {
        IoWq pool = pools.start(Pools.quiet());
        Work<String> running = running(pool);

        assertThat(pool.cancel(running.id())).isEqualTo(CancelResult.RUNNING);

        assertCancelled(running);
        eventually().untilTrue(interrupted);
        eventually().until(() -> pool.stats().cancelled() == 1 && pool.stats().bounded().idle() == 1);
        assertThat(pool.stats().failed()).as("the interrupted task's exception does not count").isZero();
    }

    @Test
    void aRunningNoCancelItemIsFoundButNotInterrupted() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Work<String> running = gate.enter(pool, Work.of(gate.task(interrupted)).noCancel());

        assertThat(pool.cancel(running.id())).isEqualTo(CancelResult.RUNNING);
        assertThat(pool.cancelAll()).isEqualTo(new Cancellation(CancelResult.RUNNING, 0, 1));

        throughout(Duration.ofMillis(100)).until(() -> !interrupted.get() && !running.isDone());
        gate.open();
        running.get(10, TimeUnit.SECONDS);
        assertThat(running.state()).isEqualTo(Work.State.COMPLETED);
        assertThat(pool.stats().cancelled()).isZero();
    }

    @Test
    void cancellingAnUnknownOrFinishedItemFindsNothing() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Work<Object> done = pool.enqueue(runs.item());
        done.get(10, TimeUnit.SECONDS);

        assertThat(pool.cancel(done.id())).isEqualTo(CancelResult.NOT_FOUND);
        assertThat(pool.cancel(123_456)).isEqualTo(CancelResult.NOT_FOUND);
        assertThat(pool.cancelKey("nobody")).isEqualTo(new Cancellation(CancelResult.NOT_FOUND, 0, 0));
        assertThat(pool.cancelAll()).isEqualTo(new Cancellation(CancelResult.NOT_FOUND, 0, 0));
        assertThat(done.cancel(true)).isFalse();
        assertThat(done.state()).isEqualTo(Work.State.COMPLETED);
    }

    @Test
    void cancelKeyCancelsThePendingAndRunningItemsOfThatKeyOnly() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Work<String> k0 = gate.enter(pool, Work.of(gate.task(interrupted)).hashed("k"));
        Gate other = new Gate();
        Work<String> j0 = other.enter(pool, Work.of(other.task()).hashed("j"));
        Work<Object> k1 = pool.enqueue(runs.item().hashed("k"));
        Work<Object> k2 = pool.enqueue(runs.item().hashed("k"));
        Work<Object> j1 = pool.enqueue(runs.item().hashed("j"));

        Cancellation result = pool.cancelKey("k");

        assertThat(result).isEqualTo(new Cancellation(CancelResult.RUNNING, 2, 1));
        for (Work<?> w : List.of(k0, k1, k2)) {
            assertCancelled(w);
        }
        eventually().untilTrue(interrupted);
        other.open();
        j0.get(10, TimeUnit.SECONDS);
        j1.get(10, TimeUnit.SECONDS);
        assertThat(runs.count()).isEqualTo(1);
        eventually().until(() -> pool.stats().activeKeys() == 0);
        assertThat(pool.stats().cancelled()).isEqualTo(3);
    }

    @Test
    void cancelAllCancelsEveryPendingAndRunningItem() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Work<String> running = running(pool);
        Gate other = new Gate();
        AtomicBoolean otherInterrupted = new AtomicBoolean();
        Work<String> alsoRunning = other.enter(pool, Work.of(other.task(otherInterrupted)).hashed("k"));
        List<Work<?>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pending.add(pool.enqueue(runs.item()));
            pending.add(pool.enqueue(runs.item().hashed("k")));
        }

        assertThat(pool.cancelAll()).isEqualTo(new Cancellation(CancelResult.RUNNING, 6, 2));

        pending.forEach(CancellationTest::assertCancelled);
        assertCancelled(running);
        assertCancelled(alsoRunning);
        eventually().until(() -> interrupted.get() && otherInterrupted.get());
        eventually().until(() -> pool.stats().activeKeys() == 0 && pool.stats().pending() == 0);
        assertThat(pool.submit(() -> "still works").get(10, TimeUnit.SECONDS)).isEqualTo("still works");
        assertThat(runs.count()).isZero();
    }

    @Test
    void cancelWithoutAllStopsAtTheFirstMatch() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        List<Work<Object>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pending.add(pool.enqueue(runs.item().describedAs("victim")));
        }

        Cancellation result = pool.cancel(w -> w.description().equals("victim"), false);

        assertThat(result).isEqualTo(new Cancellation(CancelResult.OK, 1, 0));
        assertCancelled(pending.get(0));
        gate.open();
        pending.get(1).get(10, TimeUnit.SECONDS);
        pending.get(2).get(10, TimeUnit.SECONDS);
        assertThat(runs.count()).isEqualTo(2);
    }

    @Test
    void cancellingTheQueuedHeadOfAKeyLetsItsNextItemRun() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        Work<Object> head = pool.enqueue(runs.item().hashed("k"));
        Work<Object> next = pool.enqueue(runs.item().hashed("k"));
        Work<Object> last = pool.enqueue(runs.item().hashed("k"));

        assertThat(pool.cancel(head.id())).isEqualTo(CancelResult.OK);

        assertCancelled(head);
        assertThat(pool.pendingWork()).extracting(WorkInfo::id).containsExactly(next.id(), last.id());
        gate.open();
        next.get(10, TimeUnit.SECONDS);
        last.get(10, TimeUnit.SECONDS);
        assertThat(runs.count()).isEqualTo(2);
        eventually().until(() -> pool.stats().activeKeys() == 0);
    }

    @Test
    void cancellingEveryQueuedItemOfAKeyForgetsTheKey() {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        pool.enqueue(runs.item().hashed("k"));
        pool.enqueue(runs.item().hashed("k"));
        assertThat(pool.stats().activeKeys()).isEqualTo(1);

        assertThat(pool.cancelKey("k")).isEqualTo(new Cancellation(CancelResult.OK, 2, 0));

        assertThat(pool.stats().activeKeys()).isZero();
        assertThat(pool.stats().pending()).isZero();
        gate.open();
    }

    @Test
    void futureCancelOfAPendingItemRemovesIt() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        Work<Object> pending = pool.enqueue(runs.item());

        assertThat(pending.cancel(false)).isTrue();

        assertCancelled(pending);
        assertThat(pool.stats().pending()).isZero();
        gate.open();
        pool.enqueue(runs.item()).get(10, TimeUnit.SECONDS);
        assertThat(runs.count()).isEqualTo(1);
        assertThat(pending.cancel(true)).as("only once").isFalse();
    }

    @Test
    void futureCancelTrueInterruptsARunningItem() {
        IoWq pool = pools.start(Pools.quiet());
        Work<String> running = running(pool);

        assertThat(running.cancel(true)).isTrue();

        assertCancelled(running);
        eventually().untilTrue(interrupted);
        assertThat(pool.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void futureCancelFalseEndsARunningItemWithoutInterruptingIt() {
        IoWq pool = pools.start(Pools.quiet());
        Work<String> running = running(pool);

        assertThat(running.cancel(false)).isTrue();

        assertCancelled(running);
        throughout(Duration.ofMillis(100)).until(() -> !interrupted.get());
        gate.open();
        eventually().until(() -> pool.stats().bounded().idle() == 1);
        assertThat(interrupted).isFalse();
        assertThat(pool.stats().completed()).isZero();
        assertThat(pool.stats().cancelled()).isEqualTo(1);
    }

    @Test
    void anItemThatEndedBeforeItWasSubmittedIsRefused() {
        IoWq pool = pools.start(Pools.quiet());
        Work<Object> cancelled = runs.item();
        assertThat(cancelled.cancel(false)).isTrue();
        Work<Object> alreadyRun = runs.item();
        alreadyRun.run();
        Work<Object> headOfACancelledLink = runs.item();
        headOfACancelledLink.link(runs.item()).cancel(false);

        for (Work<?> w : List.of(cancelled, alreadyRun, headOfACancelledLink)) {
            assertThatIllegalStateException().isThrownBy(() -> pool.enqueue(w))
                    .withMessageContaining("has already ended");
        }
        assertThat(pool.stats().submitted()).isZero();
        assertThat(runs.count()).as("only the one run by hand").isEqualTo(1);
    }

    @Test
    void anInterruptAnItemLeavesBehindDoesNotReachTheNextItem() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        gate.enter(pool, Work.of(gate.task()));
        Work<String> leaves = pool.enqueue(Work.of(() -> {
            Thread.currentThread().interrupt();
            return Thread.currentThread().getName();
        }));
        Work<String> next = pool.enqueue(Work.of(() ->
                Thread.currentThread().getName() + (Thread.interrupted() ? " interrupted" : "")));

        gate.open();

        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(leaves.get(10, TimeUnit.SECONDS));
    }
}
