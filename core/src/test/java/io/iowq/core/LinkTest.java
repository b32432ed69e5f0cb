package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.5, links: a link runs after its head, on the same worker when it can, and shares its fate. */
class LinkTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final Queue<String> ran = new ConcurrentLinkedQueue<>();

    private Work<String> logged(String name) {
        return Work.of(() -> {
            ran.add(name);
            return Thread.currentThread().getName();
        });
    }

    /** A head and the two logged links behind it. */
    private record Chain(Work<String> head, Work<String> first, Work<String> second) {
    }

    /** Runs a head that waits at {@code gate}, with two logged links behind it. */
    private Chain runningWithTwoLinks(IoWq pool, Gate gate) {
        Chain chain = withTwoLinks(Work.of(gate.task()));
        gate.enter(pool, chain.head());
        return chain;
    }

    private Chain withTwoLinks(Work<String> head) {
        Chain chain = new Chain(head, logged("first"), logged("second"));
        head.link(chain.first()).link(chain.second());
        return chain;
    }

    private static void assertCancelledWithoutRunning(List<? extends Work<?>> links) {
        for (Work<?> link : links) {
            assertThat(link.isCancelled()).as("%s", link).isTrue();
            assertThatThrownBy(() -> link.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void unhashedLinksRunRightAfterTheirHeadOnTheSameWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(3, 3));
        Pools.idleWorkers(pool, 3);
        Work<String> head = logged("head");
        Work<String> second = logged("second");
        Work<String> third = Work.of(() -> {
            ran.add("third");
            return Thread.currentThread().getName() + (second.isDone() ? "" : " before second ended");
        });
        head.link(second).link(third);

        pool.enqueue(head);

        String worker = head.get(10, TimeUnit.SECONDS);
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(worker);
        assertThat(third.get(10, TimeUnit.SECONDS)).isEqualTo(worker);
        assertThat(ran).containsExactly("head", "second", "third");
        assertThat(pool.stats().submitted()).as("links are accepted with their head").isEqualTo(6);
    }

    @Test
    void aHashedLinkIsQueuedBehindItsKey() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Gate gate = new Gate();
        gate.enter(pool, Work.of(() -> {
            gate.pass();
            ran.add("key holder");
            return null;
        }).hashed("k"));
        Work<String> head = logged("head");
        Work<String> link = head.link(logged("hashed link").hashed("k"));

        pool.enqueue(head);

        head.get(10, TimeUnit.SECONDS);
        throughout(Duration.ofMillis(150)).until(() -> !link.isDone());
        assertThat(pool.pendingWork()).singleElement().matches(info -> info.id() == link.id());
        gate.open();
        link.get(10, TimeUnit.SECONDS);
        assertThat(ran).containsExactly("head", "key holder", "hashed link");
    }

    @Test
    void aLinkOfTheOtherClassRunsOnAWorkerOfThatClass() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Work<String> head = logged("bound head");
        Work<String> link = head.link(logged("unbound link").unbound());

        pool.enqueue(head);

        assertThat(head.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1");
        assertThat(link.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-u-1");
        assertThat(ran).containsExactly("bound head", "unbound link");
    }

    @Test
    void aFailedHeadCancelsEveryLinkBehindIt() {
        IoWq pool = pools.start(Pools.quiet());
        Work<Object> head = Work.of(() -> {
            throw new IllegalStateException("boom");
        });
        Work<String> first = logged("first");
        Work<String> second = logged("second").hashed("k");
        head.link(first).link(second);

        pool.enqueue(head);

        assertThatThrownBy(() -> head.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasRootCauseMessage("boom");
        eventually().until(second::isDone);
        assertCancelledWithoutRunning(List.of(first, second));
        assertThat(ran).isEmpty();
        eventually().until(() -> pool.stats().failed() == 1 && pool.stats().cancelled() == 2);
    }

    @Test
    void aCancelledRunningHeadCancelsItsLinks() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Gate gate = new Gate();
        Chain chain = runningWithTwoLinks(pool, gate);

        assertThat(pool.cancel(chain.head().id())).isEqualTo(CancelResult.RUNNING);

        eventually().until(chain.second()::isDone);
        assertCancelledWithoutRunning(List.of(chain.head(), chain.first(), chain.second()));
        assertThat(ran).isEmpty();
        eventually().until(() -> pool.stats().cancelled() == 3);
    }

    @Test
    void aCancelledPendingHeadCancelsItsLinks() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate gate = Gate.occupying(pool);
        Chain chain = withTwoLinks(logged("head"));
        pool.enqueue(chain.head());

        Cancellation result = pool.cancel(w -> w == chain.head(), false);

        assertThat(result).isEqualTo(new Cancellation(CancelResult.OK, 3, 0));
        assertCancelledWithoutRunning(List.of(chain.head(), chain.first(), chain.second()));
        gate.open();
        eventually().until(() -> pool.stats().completed() == 1);
        assertThat(ran).isEmpty();
        assertThat(pool.stats().cancelled()).isEqualTo(3);
    }

    @Test
    void cancellingALinkCancelsWhatIsBehindItButNotItsHead() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Gate gate = new Gate();
        Chain chain = runningWithTwoLinks(pool, gate);

        assertThat(pool.cancel(chain.first().id())).isEqualTo(CancelResult.OK);

        assertCancelledWithoutRunning(List.of(chain.first(), chain.second()));
        gate.open();
        assertThat(chain.head().get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-1");
        assertThat(ran).isEmpty();
        assertThat(pool.stats().cancelled()).isEqualTo(2);
        eventually().until(() -> pool.stats().completed() == 1);
    }

    @Test
    void futureCancelOfALinkCancelsWhatIsBehindIt() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Gate gate = new Gate();
        Chain chain = runningWithTwoLinks(pool, gate);

        assertThat(chain.first().cancel(true)).isTrue();

        assertCancelledWithoutRunning(List.of(chain.first(), chain.second()));
        gate.open();
        chain.head().get(10, TimeUnit.SECONDS);
        assertThat(ran).isEmpty();
        assertThat(pool.stats().cancelled()).isEqualTo(2);
    }

    @Test
    void cancellingACompletedHeadLeavesItsQueuedLinkAlone() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Gate gate = new Gate();
        gate.enter(pool, Work.of(gate.task()).hashed("k"));
        Work<String> head = logged("head");
        Work<String> link = head.link(logged("link").hashed("k"));
        pool.enqueue(head);
        head.get(10, TimeUnit.SECONDS);

        assertThat(head.cancel(true)).isFalse();

        assertThat(link.isCancelled()).isFalse();
        gate.open();
        link.get(10, TimeUnit.SECONDS);
        assertThat(ran).containsExactly("head", "link");
    }

    @Test
    void cancellingARunningNoCancelHeadLeavesItAndItsLinksAlone() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        Gate gate = new Gate();
        Work<String> head = Work.of(gate.task()).noCancel();
        Work<String> link = head.link(logged("link"));
        gate.enter(pool, head);

        assertThat(head.cancel(true)).isFalse();
        assertThat(pool.cancel(head.id())).isEqualTo(CancelResult.RUNNING);

        assertThat(link.isCancelled()).isFalse();
        gate.open();
        head.get(10, TimeUnit.SECONDS);
        link.get(10, TimeUnit.SECONDS);
        assertThat(ran).containsExactly("link");
        assertThat(pool.stats().cancelled()).isZero();
    }

    @Test
    void theLinksOfAnItemCancelledWhileItRanAreToldWithoutItsInterrupt() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        AtomicReference<Work<?>> self = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Work<Object> head = Work.of(() -> {
            started.countDown();
            while (!self.get().isCancelled()) {
                Thread.onSpinWait(); // never looks at its interrupt status: it stays raised
            }
            return null;
        });
        self.set(head);
        Work<String> link = logged("link");
        head.link(link);
        AtomicBoolean interruptedInCallback = new AtomicBoolean(true);
        CountDownLatch told = new CountDownLatch(1);
        link.whenDone(() -> {
            interruptedInCallback.set(Thread.currentThread().isInterrupted());
            told.countDown();
        });
        pool.enqueue(head);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(head.cancel(true)).isTrue();

        assertThat(told.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(link.isCancelled()).isTrue();
        assertThat(interruptedInCallback).as("the callback ran with the head's interrupt raised").isFalse();
    }

    @Test
    void aLinkWhoseKeyCannotBeHashedFailsWithoutTakingItsWorkerDown() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Object unhashable = new Object() {
            @Override
            public int hashCode() {
                throw new IllegalStateException("hashCode fails");
            }
        };
        Work<String> head = Work.of(() -> "head");
        Work<String> link = head.link(Work.of(() -> "link").hashed(unhashable));
        Work<String> after = link.link(Work.of(() -> "after"));
        pool.enqueue(head);

        assertThat(head.get(10, TimeUnit.SECONDS)).isEqualTo("head");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> link.get(10, TimeUnit.SECONDS))
                .hasRootCauseMessage("hashCode fails");
        assertThat(after.isCancelled()).isTrue();
        assertThat(pool.submit(() -> "the worker still runs").get(10, TimeUnit.SECONDS)).isEqualTo("the worker still runs");
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
    }
}
