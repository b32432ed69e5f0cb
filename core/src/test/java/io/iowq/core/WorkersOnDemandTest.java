package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.1: workers are created when work needs them and let go when it does not. */
class WorkersOnDemandTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private static Set<String> threadNames(List<? extends Work<String>> items) throws Exception {
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (Work<String> w : items) {
            names.add(w.get(10, TimeUnit.SECONDS));
        }
        return names;
    }

    @Test
    void startsOneBoundWorkerAndNoUnboundWorker() {
        IoWq pool = pools.start(Pools.quiet());

        IoWqStats stats = pool.stats();
        assertThat(stats.bounded().workers()).isEqualTo(1);
        assertThat(stats.unbounded().workers()).isZero();
        assertThat(pool.threads()).extracting(Thread::getName).containsExactlyInAnyOrder("iowq-b-1", "iowq-manager");
        eventually().until(() -> pool.stats().bounded().idle() == 1);
    }

    @Test
    void aBurstOfBlockingWorkNeverCreatesMoreThanMaxWorkers() throws Exception {
        IoWq pool = pools.start(Pools.bound(3, 1));
        Gate gate = new Gate();
        AtomicInteger mostWorkers = new AtomicInteger();
        int submitters = 4;
        int each = 25;
        List<Work<String>> items = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    items.add(pool.enqueue(Work.of(gate.blockingTask())));
                    mostWorkers.accumulateAndGet(pool.stats().bounded().workers(), Math::max);
                }
            });
            threads.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        eventually().until(() -> pool.stats().bounded().blocked() == 3);
        throughout(Duration.ofMillis(200)).until(() -> pool.stats().bounded().workers() == 3);
        assertThat(pool.stats().bounded().pending()).isEqualTo(submitters * each - 3);
        assertThat(mostWorkers.get()).isLessThanOrEqualTo(3);
        gate.open();
        eventually().until(() -> pool.stats().completed() == submitters * each);
        assertThat(threadNames(items)).hasSize(3);
        assertThat(pool.stats().bounded().workers()).isEqualTo(3);
    }

    @Test
    void createsNoWorkerBeyondMaxWorkersWhenEveryWorkerBlocks() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Gate gate = new Gate();

        List<Work<String>> items = gate.blockIn(pool, 5);

        eventually().until(() -> pool.stats().bounded().blocked() == 2);
        throughout(Duration.ofMillis(200)).until(() -> pool.stats().bounded().workers() == 2
                && pool.stats().bounded().pending() == 3);
        gate.open();
        assertThat(threadNames(items)).hasSize(2);
    }

    @Test
    void reusesTheMostRecentlyIdleWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 2));
        Gate first = new Gate();
        Gate second = new Gate();
        Work<String> a = pool.enqueue(Work.of(first.task()));
        Work<String> b = pool.enqueue(Work.of(second.task()));
        eventually().until(() -> first.reached() && second.reached());
        first.open();
        String idleFirst = a.get(10, TimeUnit.SECONDS);
        eventually().until(() -> pool.stats().bounded().idle() == 1);
        second.open();
        String idleLast = b.get(10, TimeUnit.SECONDS);
        eventually().until(() -> pool.stats().bounded().idle() == 2);
        assertThat(idleLast).isNotEqualTo(idleFirst);

        for (int i = 0; i < 5; i++) {
            String ranOn = pool.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
            assertThat(ranOn).as("item %d", i).isEqualTo(idleLast);
            eventually().until(() -> pool.stats().bounded().idle() == 2);
        }
    }

    @Test
    void idleWorkersExitAfterTheIdleTimeoutButTheLastBoundWorkerStays() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 4).idleTimeout(Duration.ofMillis(100)));
        Gate gate = new Gate();
        List<Work<String>> items = gate.blockIn(pool, 4);
        eventually().until(() -> pool.stats().bounded().blocked() == 4);
        gate.open();
        assertThat(threadNames(items)).hasSize(4);

        eventually().until(() -> pool.stats().bounded().workers() == 1);
        throughout(Duration.ofMillis(500)).until(() -> pool.stats().bounded().workers() == 1
                && pool.threads().size() == 2);
        assertThat(pool.submit(() -> "still works").get(10, TimeUnit.SECONDS)).isEqualTo("still works");
    }

    @Test
    void everyIdleUnboundWorkerExitsAfterTheIdleTimeout() throws Exception {
        IoWq pool = pools.start(Pools.quiet().idleTimeout(Duration.ofMillis(100))
                .maxWorkers(WorkClass.UNBOUND, 3).concurrency(WorkClass.UNBOUND, 3));
        Gate gate = new Gate();
        List<Work<String>> items = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            items.add(pool.enqueue(Work.of(gate.task()).unbound()));
        }
        eventually().until(() -> pool.runningWork(false).size() == 3);
        gate.open();
        assertThat(threadNames(items)).hasSize(3).allMatch(name -> name.startsWith("iowq-u-"));

        eventually().until(() -> pool.stats().unbounded().workers() == 0);
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
    }

    @Test
    void aLastBoundWorkerWithAZeroIdleTimeoutWaitsWithoutSpinning() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        IoWq pool = pools.start(Pools.quiet().idleTimeout(Duration.ZERO));
        eventually().until(() -> pool.stats().bounded().idle() == 1);
        Thread worker = pool.threads().stream().filter(t -> t.getName().equals("iowq-b-1")).findFirst().orElseThrow();
        long cpuBefore = mx.getThreadCpuTime(worker.getId());

        throughout(Duration.ofMillis(300)).until(() ->
                mx.getThreadCpuTime(worker.getId()) - cpuBefore < TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
    }

    @Test
    void shrinkingMaxWorkersLetsExtraWorkersExitWhenIdle() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 4));
        Gate gate = new Gate();
        List<Work<String>> items = gate.blockIn(pool, 4);
        eventually().until(() -> pool.stats().bounded().blocked() == 4);

        pool.setMaxWorkers(WorkClass.BOUND, 2);

        IoWqStats.ClassStats shrunk = pool.stats().bounded();
        assertThat(shrunk.maxWorkers()).isEqualTo(2);
        assertThat(shrunk.concurrency()).isEqualTo(2);
        assertThat(shrunk.workers()).as("busy workers finish their work").isEqualTo(4);
        gate.open();
        assertThat(threadNames(items)).hasSize(4);
        eventually().until(() -> pool.stats().bounded().workers() == 2);

        pool.setMaxWorkers(WorkClass.BOUND, 1);
        eventually().until(() -> pool.stats().bounded().workers() == 1);
        assertThat(pool.threads()).hasSize(2);
    }

    @Test
    void growingMaxWorkersGivesWaitingWorkAWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(1, 1));
        Gate gate = new Gate();
        gate.blockIn(pool, 1);
        eventually().until(() -> pool.stats().bounded().blocked() == 1);
        Work<String> waiting = pool.enqueue(Work.of(() -> Thread.currentThread().getName()));
        throughout(Duration.ofMillis(100)).until(() -> !waiting.isDone());

        pool.setMaxWorkers(WorkClass.BOUND, 2);

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("iowq-b-2");
        assertThat(pool.stats().bounded().concurrency()).as("back to the configured target").isEqualTo(1);
        gate.open();
    }

    @Test
    void refusesToShrinkBelowOneWorker() {
        IoWq pool = pools.start(Pools.quiet());

        assertThatIllegalArgumentException().isThrownBy(() -> pool.setMaxWorkers(WorkClass.UNBOUND, 0))
                .withMessage("unbounded maxWorkers must be at least 1, was 0");
    }
}
