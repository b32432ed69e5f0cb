package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code whenDone} actions run on the thread that ended the item, after the pool counted the end and
 * told its listener; an action added after the end, while the ender is still telling, runs no other
 * action early on its own thread (a {@code CompletableFuture} completed from a callback must see the
 * end counted).
 */
class CallbackOrderTest {

    private final CountDownLatch inListener = new CountDownLatch(1);
    private final CountDownLatch releaseListener = new CountDownLatch(1);
    private IoWq pool;

    @AfterEach
    void close() {
        releaseListener.countDown();
        pool.shutdownNow();
    }

    @Test
    void anActionAddedWhileTheEnderTellsRunsNoEarlierActionOnItsOwnThread() throws Exception {
        pool = new IoWq(IoWqConfig.builder().listener(new IoWqListener() {
            @Override
            public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                inListener.countDown();
                try {
                    releaseListener.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).build());
        Work<Object> item = Work.of(() -> "done");
        AtomicReference<String> ranOn = new AtomicReference<>();
        AtomicReference<Long> completedWhenRun = new AtomicReference<>();
        item.whenDone(() -> {
            completedWhenRun.set(pool.stats().completed());
            ranOn.set(Thread.currentThread().getName());
        });
        pool.enqueue(item);
        assertThat(inListener.await(10, TimeUnit.SECONDS)).isTrue(); // ended and counted; the listener holds the ender

        item.whenDone(() -> { }); // a late action, as WorkCompletableFuture.of(item) adds

        assertThat(ranOn.get()).as("the earlier action ran before the listener returned").isNull();
        releaseListener.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.get() != null);
        assertThat(ranOn.get()).startsWith("iowq-");
        assertThat(completedWhenRun.get()).isEqualTo(1);
    }

    /**
     * The ender wakes the threads in {@code get} without waiting for any of them: a caller that holds
     * the item's monitor (or is descheduled while it holds anything of the item's) stalls no worker.
     */
    @Test
    void theEnderWakesGetWithoutWaitingForACallerThatHoldsTheItemsMonitor() throws Exception {
        pool = new IoWq(IoWqConfig.builder().build());
        Gate gate = new Gate();
        Work<String> item = gate.enter(pool, Work.of(gate.task()));
        Thread getter = new Thread(() -> {
            try {
                item.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        getter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> getter.getState() == Thread.State.WAITING);
        CountDownLatch ended = new CountDownLatch(1);
        item.whenDone(ended::countDown);

        synchronized (item) {
            gate.open();
            assertThat(ended.await(10, TimeUnit.SECONDS)).as("the item ended and its actions ran").isTrue();
        }
        getter.join(10_000);
        assertThat(getter.isAlive()).as("get returned").isFalse();
        assertThat(item.get()).startsWith("iowq-");
    }
}
