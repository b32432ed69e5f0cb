package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** When a pool terminates: once, on every path that removes work or workers, and only after every end is published. */
class TerminationTest {

    @RegisterExtension
    final Pools pools = new Pools();

    /** Bound workers start; unbound ones never can. */
    private static final ThreadFactory NO_UNBOUND_THREADS = r -> {
        if (r instanceof Worker w && w.account.workClass == WorkClass.UNBOUND) {
            throw new IllegalStateException("no thread for unbound work");
        }
        return new Thread(r);
    };

    @Test
    void creationFailuresAfterShutdownStillLetThePoolTerminate() throws Exception {
        IoWq pool = pools.start(Pools.quiet().threadFactory(NO_UNBOUND_THREADS));
        Work<String> stranded = pool.enqueue(Work.of(() -> "never").unbound());

        pool.shutdown();

        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        assertThat(stranded.isCancelled()).isTrue();
        assertThat(pool.threads()).isEmpty();
    }

    @Test
    void cancellingTheLastItemOfAWorkerlessAccountAfterShutdownTerminatesThePool() throws Exception {
        IoWq pool = pools.start(Pools.quiet().threadFactory(NO_UNBOUND_THREADS));
        Work<String> stranded = pool.enqueue(Work.of(() -> "never").unbound());
        pool.shutdown();

        assertThat(stranded.cancel(false)).isTrue();

        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.threads()).isEmpty();
    }

    /** A cancel still publishing what it ended (a slow listener) holds termination back until every end is told. */
    @Test
    void terminationWaitsUntilEveryCancelledEndIsPublished() throws Exception {
        CountDownLatch listenerEntered = new CountDownLatch(1);
        CountDownLatch listenerGoes = new CountDownLatch(1);
        AtomicInteger told = new AtomicInteger();
        IoWq pool = pools.start(Pools.bound(1, 1).listener(new IoWqListener() {
            @Override
            public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                if (work.isCancelled()) {
                    listenerEntered.countDown();
                    awaitQuietly(listenerGoes);
                }
                told.incrementAndGet();
            }
        }));
        Gate held = Gate.occupying(pool);
        AtomicInteger callbacks = new AtomicInteger();
        List<Work<?>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Work<String> w = pool.enqueue(Work.of(() -> "x"));
            w.whenDone(callbacks::incrementAndGet);
            queued.add(w);
        }
        Thread stopper = new Thread(pool::shutdownNow);
        stopper.start();
        assertThat(listenerEntered.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(pool.awaitTermination(200, TimeUnit.MILLISECONDS)).as("an end is still being told").isFalse();
        assertThat(pool.isTerminated()).isFalse();

        listenerGoes.countDown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.stats().cancelled()).isEqualTo(10);
        assertThat(callbacks.get()).isEqualTo(10);
        assertThat(told.get()).isEqualTo(11); // the ten and the held item, interrupted
        stopper.join();
        held.open();
    }

    @Test
    void isTerminatedAndAwaitTerminationAlwaysAgree() throws Exception {
        for (int i = 0; i < 200; i++) {
            IoWq pool = new IoWq(Pools.quiet().build());
            pool.submit(() -> "warm").get(10, TimeUnit.SECONDS);
            pool.shutdown();
            for (int look = 0; look < 50; look++) {
                boolean terminated = pool.isTerminated();
                boolean awaited = pool.awaitTermination(0, TimeUnit.NANOSECONDS);
                assertThat(!terminated || awaited).as("terminated, yet not awaited: pool %d, look %d", i, look).isTrue();
                if (awaited) {
                    assertThat(pool.isTerminated()).isTrue();
                    assertThat(pool.threads()).isEmpty();
                }
            }
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void anIdlePoolIsTerminatedWhenShutdownReturns() throws Exception {
        IoWq pool = pools.start(Pools.quiet());
        pool.submit(() -> "warm").get(10, TimeUnit.SECONDS);
        eventually().until(() -> pool.stats().bounded().idle() == 1);

        pool.shutdown();

        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.threads()).isEmpty();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
