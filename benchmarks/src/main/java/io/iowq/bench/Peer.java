package io.iowq.bench;

import io.iowq.core.IoWq;
import io.iowq.core.IoWqConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The executors iowq is measured against, by the names the results use. */
enum Peer {

    /** iowq with its default configuration. */
    IOWQ("iowq", "iowq, default configuration (bound: concurrency = CPUs, maxWorkers = 4 x CPUs; "
            + "unbound: concurrency = CPUs, maxWorkers = thread limit; idle timeout 5 s)"),

    /**
     * What Spring Boot's task-execution auto-configuration builds as {@code ThreadPoolTaskExecutor}
     * by default ({@code TaskExecutionProperties.Pool}): core 8, max {@code Integer.MAX_VALUE}, queue
     * capacity {@code Integer.MAX_VALUE} (so a {@code LinkedBlockingQueue} and never more than 8
     * threads), keep-alive 60 s, core threads allowed to time out. Built as the plain
     * {@code ThreadPoolExecutor} that {@code ThreadPoolTaskExecutor} wraps (it adds no behaviour
     * without a task decorator), to keep Spring off the benchmark's class path.
     */
    BOOT_TPE("boot-tpe", "ThreadPoolExecutor(8, Integer.MAX_VALUE, 60 s, LinkedBlockingQueue), "
            + "allowCoreThreadTimeOut: Spring Boot's default ThreadPoolTaskExecutor"),

    /** A fixed pool of CPU-count threads. */
    TPE_CPUS("tpe-cpus", "ThreadPoolExecutor fixed at the CPU count, LinkedBlockingQueue"),

    /** A ForkJoinPool of CPU-count parallelism, tasks submitted from outside. */
    FJP("fjp", "new ForkJoinPool(CPUs)"),

    /** One new virtual thread per task. */
    VTHREADS("vthreads", "Executors.newVirtualThreadPerTaskExecutor()");

    static final int CPUS = Runtime.getRuntime().availableProcessors();

    final String id;
    final String description;

    Peer(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The peers this JVM can run: all of them, less virtual threads before JDK 21. */
    static List<Peer> available() {
        List<Peer> peers = new ArrayList<>(List.of(values()));
        if (!VirtualThreads.available()) {
            peers.remove(VTHREADS);
        }
        return peers;
    }

    static Peer byId(String id) {
        for (Peer p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no peer " + id);
    }

    /** A new executor of this kind whose threads are counted. */
    Pool open() {
        return open(IoWqConfig.builder());
    }

    /** A new executor of this kind; for iowq, built from {@code config} with a counting thread factory. */
    Pool open(IoWqConfig.Builder config) {
        ThreadCount threads = new ThreadCount(this == IOWQ ? 1 : 0);
        return new Pool(this, build(config, threads), threads);
    }

    /** A new executor of this kind with nothing added to its threads (for the hand-off benchmark). */
    ExecutorService openPlain() {
        return build(IoWqConfig.builder(), null);
    }

    private ExecutorService build(IoWqConfig.Builder config, ThreadCount threads) {
        return switch (this) {
            case IOWQ -> new IoWq(threads == null ? config.build() : config.threadFactory(threads.wrap(Thread::new)).build());
            case BOOT_TPE -> {
                ThreadPoolExecutor tpe = new ThreadPoolExecutor(8, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(), factory(threads, "boot-tpe-"));
                tpe.allowCoreThreadTimeOut(true);
                yield tpe;
            }
            case TPE_CPUS -> new ThreadPoolExecutor(CPUS, CPUS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    factory(threads, "tpe-cpus-"));
            case FJP -> threads == null ? new ForkJoinPool(CPUS) : new ForkJoinPool(CPUS, threads.forkJoin("fjp-"), null, false);
            case VTHREADS -> threads == null ? VirtualThreads.newExecutor() : VirtualThreads.newExecutor(threads);
        };
    }

    private static ThreadFactory factory(ThreadCount threads, String prefix) {
        return threads == null ? Executors.defaultThreadFactory() : threads.platform(prefix);
    }

    /** An executor and the count of its threads. */
    record Pool(Peer peer, ExecutorService executor, ThreadCount threads) implements AutoCloseable {

        IoWq iowq() {
            return (IoWq) executor;
        }

        @Override
        public void close() {
            Peer.close(executor);
        }
    }

    /** Shuts {@code executor} down and waits up to 30 s for it; then interrupts what is left. */
    static void close(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
