package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Section 2.3, the told half: {@link Blocking} marks its worker blocked, so waiting work gets another
 * worker, and the worker counts as running again when the call returns. Observed blocking is off.
 */
class BlockingTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private static boolean figures(IoWq pool, int workers, int running, int blocked) {
        IoWqStats.ClassStats s = pool.stats().bounded();
        return s.workers() == workers && s.running() == running && s.blocked() == blocked;
    }

    @Test
    void aWorkerInsideBlockingCountsAsBlockedNotRunningUntilTheCallReturns() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1));
        Gate inBlocking = new Gate();
        Gate afterBlocking = new Gate();
        Work<String> item = pool.enqueue(Work.of(() -> {
            Blocking.run(inBlocking::pass);
            return afterBlocking.task().call();
        }));

        eventually().until(() -> figures(pool, 1, 0, 1));
        assertThat(pool.runningWork(false)).singleElement().satisfies(info -> {
            assertThat(info.id()).isEqualTo(item.id());
            assertThat(info.blocked()).isTrue();
        });

        inBlocking.open();
        eventually().until(afterBlocking::reached);
        assertThat(figures(pool, 1, 1, 0)).as("running again after the call").isTrue();
        assertThat(pool.runningWork(false)).singleElement().matches(info -> !info.blocked());
        afterBlocking.open();
        item.get(10, TimeUnit.SECONDS);
        eventually().until(() -> figures(pool, 1, 0, 0));
    }

    @Test
    void workWaitingBehindARunningWorkerGetsAnotherWorkerWhenItBlocks() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1));
        Gate running = new Gate();
        Gate blocked = new Gate();
        Work<String> first = pool.enqueue(Work.of(() -> {
            running.pass();
            Blocking.run(blocked::pass);
            return Thread.currentThread().getName();
        }));
        eventually().until(running::reached);
        Work<String> waiting = pool.enqueue(Work.of(() -> Thread.currentThread().getName()));
        throughout(Duration.ofMillis(100)).until(() -> !waiting.isDone() && figures(pool, 1, 1, 0));

        running.open();

        String secondThread = waiting.get(10, TimeUnit.SECONDS);
        assertThat(first.isDone()).as("the first is still blocked").isFalse();
        blocked.open();
        assertThat(secondThread).isNotEqualTo(first.get(10, TimeUnit.SECONDS));
    }

    @Test
    void workSubmittedWhileTheOnlyWorkerBlocksGetsAnotherWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1));
        Gate gate = new Gate();
        Work<String> blocked = gate.blockIn(pool, 1).get(0);
        eventually().until(() -> figures(pool, 1, 0, 1));

        String ranOn = pool.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);

        assertThat(blocked.isDone()).isFalse();
        gate.open();
        assertThat(ranOn).isNotEqualTo(blocked.get(10, TimeUnit.SECONDS));
    }

    @Test
    void blockingCallsCountOnceWhenNested() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1));
        Gate inner = new Gate();
        Gate outer = new Gate();
        Work<Object> item = pool.enqueue(Work.of(() -> {
            Blocking.run(() -> {
                Blocking.run(inner::pass);
                outer.pass();
            });
            return null;
        }));
        eventually().until(() -> figures(pool, 1, 0, 1));

        inner.open();
        eventually().until(outer::reached);
        assertThat(figures(pool, 1, 0, 1)).as("still inside the outer call").isTrue();
        outer.open();
        item.get(10, TimeUnit.SECONDS);
        eventually().until(() -> figures(pool, 1, 0, 0));
    }

    @Test
    void blockingOutsideAWorkerJustRunsTheCall() throws Exception {
        assertThat(Blocking.inWorker()).isFalse();
        assertThat(Blocking.<Integer>call(() -> 42)).isEqualTo(42);
        IoWq pool = pools.start(Pools.quiet());

        assertThat(pool.submit(Blocking::inWorker).get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.submit(() -> Blocking.call(() -> List.of(7))).get(10, TimeUnit.SECONDS)).containsExactly(7);
    }

    /**
     * A worker that blocked and then runs again while the target runs rests after its item: once the
     * told block is over, CPU-bound items run one at a time on a class of concurrency 1, though two
     * workers exist and items wait.
     */
    @Test
    void aWorkerBackFromABlockRestsWhileTheTargetRuns() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1).idleTimeout(Duration.ofSeconds(60)));
        Pools.idleWorkers(pool, 1);
        CountDownLatch blocking = new CountDownLatch(1);
        Work<Object> blocker = pool.enqueue(Work.of(() -> {
            Blocking.run(() -> {
                blocking.countDown();
                Thread.sleep(50); // while about 25 of the 100 items run on the worker woken for them
            });
            return null;
        }));
        assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicBoolean looking = new AtomicBoolean();
        List<Work<Object>> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            items.add(pool.enqueue(Work.of(() -> {
                if (running.incrementAndGet() > 1 && looking.get()) {
                    overlaps.incrementAndGet();
                }
                long end = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                running.decrementAndGet();
                return null;
            })));
        }
        blocker.get(10, TimeUnit.SECONDS);
        Thread.sleep(20); // the worker back from its block leaves its item and rests
        looking.set(true);
        for (Work<Object> w : items) {
            w.get(10, TimeUnit.SECONDS);
        }
        assertThat(overlaps).as("items that started while another ran, after the block was over").hasValue(0);
    }
}
