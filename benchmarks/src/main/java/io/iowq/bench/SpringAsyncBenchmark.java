package io.iowq.bench;

import io.iowq.core.IoWqStats;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.task.TaskExecutor;

/**
 * Scenario 7: {@code @Async} as a Spring Boot application sees it. Each peer is a real Spring context
 * ({@link SpringPeer}); each operation makes {@value #CALLS} calls of an {@code @Async} method that
 * returns a {@code CompletableFuture} and waits until all have run; the score is calls per second,
 * for one and two calling threads (each with its own calls). Plus the bare hand-off: the same
 * count of tiny tasks given to the context's {@code applicationTaskExecutor.execute}.
 * <p>
 * At the end of each iowq trial the pool's counters are checked against the calls made: every call
 * submitted and completed, none failed, cancelled or rejected; with meters, the {@code iowq.work}
 * counter agrees. A mismatch fails the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpringAsyncBenchmark {

    static final int CALLS = 1000;
    static final int KEYS = 1000;
    private static final long BATCH_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Param({"boot-tpe", "boot-vthreads", "iowq", "iowq-metrics"})
    public String peer;

    private ConfigurableApplicationContext context;
    private AsyncCalls calls;
    private TaskExecutor executor;
    private boolean striped;
    private final AtomicLong made = new AtomicLong();

    @Setup(Level.Trial)
    public void open() {
        context = SpringPeer.byId(peer).start();
        calls = context.getBean(AsyncCalls.class);
        executor = context.getBean("applicationTaskExecutor", TaskExecutor.class);
        striped = peer.equals(SpringPeer.STRIPED.id);
        if (peer.equals(SpringPeer.IOWQ_METRICS.id)) {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            if (registry.find("iowq.work.wait").timer() == null || registry.find("iowq.work").counter() == null
                    && registry.find("iowq.work").functionCounter() == null) {
                throw new IllegalStateException("iowq's meters are not bound in " + registry);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        try {
            if (executor instanceof IoWqExecutor iowq) {
                checkCounts(iowq);
            }
        } finally {
            context.close();
        }
    }

    /** Every call made was submitted and completed, and the meters (where bound) say so too. */
    private void checkCounts(IoWqExecutor iowq) {
        long deadline = System.nanoTime() + BATCH_LIMIT_NANOS;
        IoWqStats s = iowq.stats();
        while (s.completed() + s.failed() + s.cancelled() < s.submitted() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(1_000_000);
            s = iowq.stats();
        }
        long n = made.get();
        if (s.submitted() != n || s.completed() != n || s.failed() != 0 || s.cancelled() != 0 || s.rejected() != 0) {
            throw new IllegalStateException("counts are off after " + n + " calls: " + s);
        }
        if (peer.equals(SpringPeer.IOWQ_METRICS.id)) {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FunctionCounter completed = registry.find("iowq.work").tag("outcome", "completed").functionCounter();
            Timer duration = registry.find("iowq.work.duration").tag("class", "bounded").timer();
            if (completed == null || (long) completed.count() != n) {
                throw new IllegalStateException("iowq.work{outcome=completed} is " + (completed == null ? null
                        : completed.count()) + " after " + n + " calls");
            }
            System.out.printf("counts exact: %d calls, submitted = completed = iowq.work{completed}; "
                    + "iowq.work.duration{bounded} recorded %d%n", n, duration == null ? -1 : duration.count());
        } else {
            System.out.printf("counts exact: %d calls, submitted = completed%n", n);
        }
    }

    /** One calling thread: its calls count it down, the last one wakes it. */
    @State(Scope.Thread)
    public static class Caller {
        private final AtomicInteger remaining = new AtomicInteger();
        private volatile Thread waiter;
        private final Integer[] keys = new Integer[KEYS];
        private int nextKey;

        public Caller() {
            for (int i = 0; i < KEYS; i++) {
                keys[i] = i;
            }
        }

        /** Called by each call when it has run. */
        public void done() {
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(waiter);
            }
        }

        void start() {
            waiter = Thread.currentThread();
            remaining.set(CALLS);
        }

        Integer nextKey() {
            Integer k = keys[nextKey];
            nextKey = nextKey + 1 == KEYS ? 0 : nextKey + 1;
            return k;
        }

        void await() {
            long deadline = System.nanoTime() + BATCH_LIMIT_NANOS;
            while (remaining.get() != 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(remaining.get() + " of " + CALLS + " calls did not run in 30 s");
                }
                LockSupport.parkNanos(this, 1_000_000);
            }
        }
    }

    private void empty(Caller c) {
        c.start();
        for (int i = 0; i < CALLS; i++) {
            calls.empty(c);
        }
        made.addAndGet(CALLS);
        c.await();
    }

    private void hashed(Caller c) {
        c.start();
        if (striped) {
            for (int i = 0; i < CALLS; i++) {
                calls.striped(c.nextKey(), c);
            }
        } else {
            for (int i = 0; i < CALLS; i++) {
                calls.hashed(c.nextKey(), c);
            }
        }
        made.addAndGet(CALLS);
        c.await();
    }

    private void sleep(Caller c) throws InterruptedException {
        c.start();
        for (int i = 0; i < CALLS; i++) {
            calls.sleep(c);
        }
        made.addAndGet(CALLS);
        c.await();
    }

    private void handOff(HandOffBenchmark.Submitter s) {
        s.submitAndAwait(executor);
        made.addAndGet(HandOffBenchmark.BATCH);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(CALLS)
    public void emptyOneThread(Caller c) {
        empty(c);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(CALLS)
    public void emptyTwoThreads(Caller c) {
        empty(c);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(CALLS)
    public void hashedOneThread(Caller c) {
        hashed(c);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(CALLS)
    public void hashedTwoThreads(Caller c) {
        hashed(c);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(CALLS)
    public void sleepOneThread(Caller c) throws InterruptedException {
        sleep(c);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(CALLS)
    public void sleepTwoThreads(Caller c) throws InterruptedException {
        sleep(c);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(HandOffBenchmark.BATCH)
    public void handOffOneThread(HandOffBenchmark.Submitter s) {
        handOff(s);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(HandOffBenchmark.BATCH)
    public void handOffTwoThreads(HandOffBenchmark.Submitter s) {
        handOff(s);
    }
}
