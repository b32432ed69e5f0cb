package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The observed half of the seed's {@code io_wq_worker_sleeping}: with no help from the tasks, the
 * manager sees workers blocked and the pool grows; CPU-bound work keeps it at its concurrency target.
 * Bound concurrency 2 and maxWorkers 16 throughout, 64 tasks each.
 */
class ObservedBlockingTest {

    private static final int TASKS = 64;
    private static final long BLOCK_MILLIS = 100;
    /** 64 tasks of 100 ms on 2 workers take 3.2 s; "well before" is half of that. */
    private static final long WELL_BEFORE_MILLIS = TASKS * BLOCK_MILLIS / 2 / 2;

    private IoWq pool;
    private final Concurrency inTask = new Concurrency();

    @AfterEach
    void shutDown() throws InterruptedException {
        if (pool != null) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private IoWq pool(boolean observe) {
        pool = new IoWq(IoWqConfig.builder()
                .concurrency(WorkClass.BOUND, 2).maxWorkers(WorkClass.BOUND, 16)
                .observeBlocking(observe).build());
        return pool;
    }

    @Test
    void sleepingTasksAreServedByMoreWorkersThanTheConcurrencyTarget() throws Exception {
        Result r = runAll(pool(true), () -> Thread.sleep(BLOCK_MILLIS));
        assertThat(r.peak).isGreaterThan(2);
        assertThat(r.millis).isLessThan(WELL_BEFORE_MILLIS);
    }

    @Test
    void tasksWaitingOnAFutureAreServedByMoreWorkers() throws Exception {
        CompletableFuture<String> late = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> late.complete("done"));
        Result r = runAll(pool(true), () -> late.get(10, TimeUnit.SECONDS));
        // all 64 wait on the same future: the pool grows to its maximum, not beyond
        assertThat(r.peak).isGreaterThan(2).isLessThanOrEqualTo(16);
        assertThat(r.millis).isLessThan(WELL_BEFORE_MILLIS);
    }

    @Test
    void tasksBlockedOnAMonitorAreServedByMoreWorkers() throws Exception {
        Object monitor = new Object();
        ReentrantLock lock = new ReentrantLock();
        IoWq p = pool(true);
        List<Work<?>> works = new ArrayList<>();
        synchronized (monitor) {
            lock.lock();
            try {
                for (int i = 0; i < TASKS; i++) {
                    boolean useMonitor = i % 2 == 0;
                    works.add(p.enqueue(Work.of(inTask.counting(() -> {
                        if (useMonitor) {
                            synchronized (monitor) {
                                return null;
                            }
                        }
                        lock.lock();
                        lock.unlock();
                        return null;
                    }))));
                }
                // BLOCKED (monitor) and WAITING (lock) workers are seen blocked: the pool grows to its max
                await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().bounded().workers() == 16);
                assertThat(p.stats().bounded().blocked()).isGreaterThan(2);
            } finally {
                lock.unlock();
            }
        }
        for (Work<?> w : works) {
            w.get(10, TimeUnit.SECONDS);
        }
        assertThat(inTask.peak()).isGreaterThan(2);
    }

    @Test
    void tasksReadingFromALateLoopbackPeerAreServedByMoreWorkers() throws Exception {
        try (LatePeer peer = new LatePeer(BLOCK_MILLIS)) {
            Result r = runAll(pool(true), peer::call);
            assertThat(r.peak).isGreaterThan(2);
            assertThat(r.millis).isLessThan(WELL_BEFORE_MILLIS);
        }
    }

    @Test
    void cpuBoundTasksNeverUseMoreThanConcurrencyPlusOneWorkers() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Result r = runAll(pool(true), () -> {
            threads.add(Thread.currentThread().getName());
            spin(TimeUnit.MILLISECONDS.toNanos(20));
        });
        assertThat(r.peak).isLessThanOrEqualTo(3);
        assertThat(threads).hasSizeLessThanOrEqualTo(3);
    }

    /**
     * Workers that finish tiny items as fast as two threads submit them queue for their account's
     * lock, parked, with their item still current: the manager must not take that for blocking.
     */
    @Test
    void tinyTasksHandedOffFromTwoThreadsStayAtTheConcurrencyTarget() throws Exception {
        IoWq p = pool(true);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger peak = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        Callable<Void> submitter = () -> {
            while (System.nanoTime() - end < 0) {
                List<Work<?>> batch = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    batch.add(p.enqueue(Work.of(() -> threads.add(Thread.currentThread().getName()))));
                }
                for (Work<?> w : batch) {
                    w.get(10, TimeUnit.SECONDS);
                }
                peak.accumulateAndGet(p.stats().bounded().workers(), Math::max);
            }
            return null;
        };
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            for (var f : callers.invokeAll(List.of(submitter, submitter))) {
                f.get();
            }
        } finally {
            callers.shutdown();
        }
        assertThat(peak.get()).as("workers seen").isEqualTo(2);
        assertThat(threads).as("workers that ran an item").hasSize(2);
    }

    @Test
    void withObservationOffSleepingTasksStayAtTheConcurrencyTarget() throws Exception {
        Result r = runAll(pool(false), () -> Thread.sleep(20));
        assertThat(r.peak).isEqualTo(2);
        assertThat(pool.blockingSamples()).isZero();
    }

    @Test
    void statsAndTheWorkListShowWhatWasObserved() throws Exception {
        IoWq p = pool(true);
        CompletableFuture<Void> release = new CompletableFuture<>();
        List<Work<?>> works = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            works.add(p.enqueue(Work.of(() -> release.get(10, TimeUnit.SECONDS))));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().bounded().blocked() >= 3);
        IoWqStats.ClassStats bounded = p.stats().bounded();
        assertThat(bounded.running()).isLessThan(bounded.workers());
        assertThat(p.runningWork(false)).filteredOn(WorkInfo::blocked).hasSizeGreaterThanOrEqualTo(3);
        release.complete(null);
        for (Work<?> w : works) {
            w.get(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().bounded().blocked() == 0);
    }

    @Test
    void theManagerDoesNotSampleWhileNoWorkWaits() throws Exception {
        IoWq p = pool(true);
        // one long item keeps a worker busy, but nothing waits behind it
        CompletableFuture<Void> release = new CompletableFuture<>();
        Work<?> busy = p.enqueue(Work.of(() -> release.get(10, TimeUnit.SECONDS)));
        await().until(() -> !p.runningWork(false).isEmpty());
        long before = p.blockingSamples();
        await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
        assertThat(p.blockingSamples()).isEqualTo(before);
        release.complete(null);
        busy.get(10, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- helpers

    private record Result(int peak, long millis) {
    }

    private Result runAll(IoWq p, BlockingTask task) throws Exception {
        long start = System.nanoTime();
        List<Work<?>> works = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            works.add(p.enqueue(Work.of(inTask.counting(() -> {
                task.run();
                return null;
            }))));
        }
        for (Work<?> w : works) {
            w.get(30, TimeUnit.SECONDS);
        }
        return new Result(inTask.peak(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @FunctionalInterface
    private interface BlockingTask {
        void run() throws Exception;
    }

    /** Counts tasks running at once and remembers the peak. */
    private static final class Concurrency {
        private final AtomicInteger now = new AtomicInteger();
        private final AtomicInteger peak = new AtomicInteger();

        <T> Callable<T> counting(Callable<T> task) {
            return () -> {
                peak.accumulateAndGet(now.incrementAndGet(), Math::max);
                try {
                    return task.call();
                } finally {
                    now.decrementAndGet();
                }
            };
        }

        int peak() {
            return peak.get();
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.identityHashCode(x);
        }
        if (x == 42) {
            System.out.print("");
        }
    }

    /** A loopback server that answers each connection with one byte after a delay. */
    private static final class LatePeer implements AutoCloseable {
        private final ServerSocket server;
        private final ExecutorService answers = Executors.newCachedThreadPool();
        private final Thread acceptor;

        LatePeer(long delayMillis) throws IOException {
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        answers.execute(() -> answerLate(s, delayMillis));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "late-peer-acceptor");
            acceptor.start();
        }

        private static void answerLate(Socket s, long delayMillis) {
            try (s; OutputStream out = s.getOutputStream()) {
                Thread.sleep(delayMillis);
                out.write(1);
                out.flush();
            } catch (IOException | InterruptedException ignored) {
                // the test is over
            }
        }

        void call() throws IOException {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 InputStream in = s.getInputStream()) {
                s.setSoTimeout(10_000);
                assertThat(in.read()).isEqualTo(1);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            acceptor.join(5_000);
            answers.shutdownNow();
        }
    }
}
