package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cancellation over several accounts and with a predicate that misbehaves: the predicate is user
 * code, asked outside every lock, and an item moving between accounts is never missed.
 */
class CancelAcrossAccountsTest {

    @RegisterExtension
    final Pools pools = new Pools();

    /**
     * A bound link behind a running unbound item moves into the bound account when its head
     * completes, while the canceller is still asking its predicate about another item; the only bound
     * worker is held, so the link stays pending there. The cancel must find it (OK), not miss it
     * between the two accounts (NOT_FOUND).
     */
    @Test
    void aLinkHandedToAnotherAccountWhileTheCancelLooksIsFound() throws Exception {
        for (int round = 0; round < 20; round++) {
            IoWq pool = pools.start(Pools.bound(1, 1));
            Gate held = Gate.occupying(pool);
            Work<String> unrelated = pool.enqueue(Work.of(() -> "u").hashed("u"));
            CountDownLatch finishHead = new CountDownLatch(1);
            Work<Boolean> head = Work.of(() -> finishHead.await(10, TimeUnit.SECONDS)).unbound();
            Work<String> link = head.link(Work.of(() -> "link"));
            pool.enqueue(head);
            eventually().until(() -> head.state() == Work.State.RUNNING);

            CancelResult result = pool.cancel(w -> {
                if (w == unrelated) { // meanwhile the head completes and its link moves to the bound account
                    finishHead.countDown();
                    eventually().until(() -> head.isDone() && pool.stats().bounded().pending() == 2);
                    return false;
                }
                return w == link;
            }, false).result();

            assertThat(result).as("round %d", round).isEqualTo(CancelResult.OK);
            assertThat(link.isCancelled()).isTrue();
            held.open();
            assertThat(unrelated.get(10, TimeUnit.SECONDS)).isEqualTo("u");
        }
    }

    /** A predicate that throws after matching a key's queued head leaves the key runnable: nothing is stranded. */
    @Test
    void aThrowingPredicateStrandsNoKey() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate held = Gate.occupying(pool);
        Work<String> first = pool.enqueue(Work.of(() -> "first").hashed("k"));
        Work<String> second = pool.enqueue(Work.of(() -> "second").hashed("k"));

        assertThatThrownBy(() -> pool.cancel(w -> {
            if (w == second) {
                throw new IllegalStateException("predicate fails");
            }
            return w == first;
        }, true)).hasMessage("predicate fails");

        held.open();
        Work<String> third = pool.enqueue(Work.of(() -> "third").hashed("k"));
        assertThat(third.get(10, TimeUnit.SECONDS)).isEqualTo("third");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(first.state()).isIn(Work.State.COMPLETED, Work.State.CANCELLED);
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** A key whose equals throws fails the cancel by key, not the pool: the key's items still run. */
    @Test
    void aKeyWhoseEqualsThrowsFailsTheCancelNotThePool() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate held = Gate.occupying(pool);
        Work<String> queued = pool.enqueue(Work.of(() -> "ran").hashed("k"));
        Object hostile = new Object() {
            @Override
            public boolean equals(Object o) {
                throw new IllegalStateException("equals fails");
            }

            @Override
            public int hashCode() {
                return "k".hashCode();
            }
        };

        assertThatThrownBy(() -> pool.cancelKey(hostile)).hasMessage("equals fails");

        held.open();
        assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    /** With {@code all} false, a pending match on any account wins over a running one on an account looked at earlier, as the seed looks. */
    @Test
    void pendingWorkOnEveryAccountIsLookedAtBeforeRunningWork() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1).maxWorkers(WorkClass.UNBOUND, 1).concurrency(WorkClass.UNBOUND, 1));
        CountDownLatch release = new CountDownLatch(1);
        Work<Boolean> runningBound = pool.enqueue(Work.of(() -> release.await(10, TimeUnit.SECONDS)).describedAs("match"));
        Work<Boolean> unboundBlocker = pool.enqueue(Work.of(() -> release.await(10, TimeUnit.SECONDS)).unbound());
        eventually().until(() -> runningBound.state() == Work.State.RUNNING && unboundBlocker.state() == Work.State.RUNNING);
        Work<String> pendingUnbound = pool.enqueue(Work.of(() -> "p").unbound().describedAs("match"));

        Cancellation c = pool.cancel(w -> w.description().equals("match"), false);

        assertThat(c.result()).isEqualTo(CancelResult.OK);
        assertThat(pendingUnbound.isCancelled()).isTrue();
        assertThat(runningBound.isDone()).isFalse();
        release.countDown();
        assertThat(runningBound.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
