package io.iowq.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the live threads of one executor exactly, and their peak: every thread the executor gets
 * from one of these factories counts itself in when it starts running and out when it ends. For a
 * virtual-thread-per-task executor the threads counted are its virtual threads.
 */
final class ThreadCount {

    private final AtomicInteger live;
    private final AtomicInteger peak;

    /** Starts at {@code initial} threads that exist without a factory (iowq's manager thread). */
    ThreadCount(int initial) {
        this.live = new AtomicInteger(initial);
        this.peak = new AtomicInteger(initial);
    }

    int live() {
        return live.get();
    }

    int peak() {
        return peak.get();
    }

    private void started() {
        peak.accumulateAndGet(live.incrementAndGet(), Math::max);
    }

    private void ended() {
        live.decrementAndGet();
    }

    /** Wraps {@code factory} so that its threads count themselves. */
    ThreadFactory wrap(ThreadFactory factory) {
        return r -> factory.newThread(() -> {
            started();
            try {
                r.run();
            } finally {
                ended();
            }
        });
    }

    /** Platform threads named {@code prefix} + a serial number, counting themselves. */
    ThreadFactory platform(String prefix) {
        AtomicInteger serial = new AtomicInteger();
        return wrap(r -> {
            Thread t = new Thread(r, prefix + serial.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** ForkJoinPool worker threads named {@code prefix} + a serial number, counting themselves. */
    ForkJoinPool.ForkJoinWorkerThreadFactory forkJoin(String prefix) {
        AtomicInteger serial = new AtomicInteger();
        return pool -> {
            ForkJoinWorkerThread t = new ForkJoinWorkerThread(pool) {
                @Override
                protected void onStart() {
                    super.onStart();
                    started();
                }

                @Override
                protected void onTermination(Throwable exception) {
                    ended();
                    super.onTermination(exception);
                }
            };
            t.setName(prefix + serial.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The platform threads of the JDK's virtual-thread scheduler alive now (its carriers, named
     * {@code ForkJoinPool-N-worker-M}; our own ForkJoinPool peer names its threads otherwise).
     */
    static int carrierThreads() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = 0;
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds(), 0)) {
            if (info != null && info.getThreadName().startsWith("ForkJoinPool-")
                    && info.getThreadName().contains("-worker-")) {
                n++;
            }
        }
        return n;
    }
}
