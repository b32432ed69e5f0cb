package io.iowq.bench;

import io.iowq.core.IoWq;
import io.iowq.core.IoWqConfig;
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

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 1: hand-off of tiny tasks. Each operation submits {@value #BATCH} tasks that only count
 * down, and waits until all have run; the score is tasks per second, end to end, for one and for
 * two submitting threads (each with its own batch).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HandOffBenchmark {

    static final int BATCH = 1000;
    /** iowq as the Spring Boot starter builds it: recording times for its timers and endpoint. */
    static final String IOWQ_TIMED = "iowq-timed";
    private static final long BATCH_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Param({"iowq", IOWQ_TIMED, "boot-tpe", "tpe-cpus", "fjp", "vthreads"})
    public String peer;

    private ExecutorService executor;

    @Setup(Level.Trial)
    public void open() {
        executor = peer.equals(IOWQ_TIMED) ? new IoWq(IoWqConfig.builder().recordTimes(true).build())
                : Peer.byId(peer).openPlain();
    }

    @TearDown(Level.Trial)
    public void close() {
        Peer.close(executor);
    }

    /** One submitter's batch: the tasks count it down, the last one wakes the submitter. */
    @State(Scope.Thread)
    public static class Submitter implements Runnable {
        private final AtomicInteger remaining = new AtomicInteger();
        private volatile Thread waiter;

        @Override
        public void run() {
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(waiter);
            }
        }

        void submitAndAwait(Executor executor) {
            waiter = Thread.currentThread();
            remaining.set(BATCH);
            for (int i = 0; i < BATCH; i++) {
                executor.execute(this);
            }
            long deadline = System.nanoTime() + BATCH_LIMIT_NANOS;
            while (remaining.get() != 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("a batch of " + BATCH + " tiny tasks did not finish in 30 s");
                }
                LockSupport.parkNanos(this, 1_000_000);
            }
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void oneSubmitter(Submitter s) {
        s.submitAndAwait(executor);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public void twoSubmitters(Submitter s) {
        s.submitAndAwait(executor);
    }
}
