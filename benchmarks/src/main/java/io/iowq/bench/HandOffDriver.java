package io.iowq.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A diagnostic, not a scenario: scenario 1's hand-off (the same {@link HandOffBenchmark.Submitter}
 * batches) in one JVM, without JMH, for A/B runs of engine builds (put a build's classes ahead of
 * the benchmark's class path) and for profilers. After a warm-up it measures 1 s rounds and prints
 * one line: the median and every round in M tasks/s, the CPU the submitting threads and the rest of
 * the process used (in CPUs, from the threads' and the process's CPU clocks), and the context
 * switches of the process per 1,000 tasks. {@code HandOffDriver peer submitters [rounds] [warmup s]}.
 */
public final class HandOffDriver {

    private HandOffDriver() {
    }

    public static void main(String[] args) throws Exception {
        Peer peer = Peer.byId(args.length > 0 ? args[0] : "iowq");
        int submitters = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int warmupSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        ExecutorService executor = peer.openPlain();
        LongAdder tasks = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] threads = startSubmitters(executor, submitters, tasks, stop);

        Thread.sleep(warmupSeconds * 1000L);
        double[] mops = new double[rounds];
        long cpu0 = processCpu(), sub0 = threadsCpu(threads), cs0 = contextSwitches(), n0 = tasks.sum(), t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            long before = tasks.sum(), start = System.nanoTime();
            Thread.sleep(1000);
            mops[r] = (tasks.sum() - before) * 1e3 / (System.nanoTime() - start);
        }
        long cpu1 = processCpu(), sub1 = threadsCpu(threads), cs1 = contextSwitches(), n1 = tasks.sum(), t1 = System.nanoTime();
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        Peer.close(executor);

        double wall = t1 - t0;
        double[] sorted = mops.clone();
        Arrays.sort(sorted);
        StringBuilder each = new StringBuilder();
        for (double m : mops) {
            each.append(String.format(Locale.ROOT, " %.1f", m));
        }
        System.out.printf(Locale.ROOT, "%s submitters=%d median %.2f M tasks/s; CPUs: submitters %.2f, rest %.2f; "
                        + "context switches per 1k tasks %.1f; rounds%s%n", peer.id, submitters, sorted[rounds / 2],
                (sub1 - sub0) / wall, ((cpu1 - cpu0) - (sub1 - sub0)) / wall, (cs1 - cs0) * 1000.0 / Math.max(1, n1 - n0), each);
    }

    private static Thread[] startSubmitters(ExecutorService executor, int n, LongAdder tasks, AtomicBoolean stop) {
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            HandOffBenchmark.Submitter s = new HandOffBenchmark.Submitter();
            threads[i] = new Thread(() -> {
                while (!stop.get()) {
                    s.submitAndAwait(executor);
                    tasks.add(HandOffBenchmark.BATCH);
                }
            }, "handoff-submitter-" + i);
            threads[i].start();
        }
        return threads;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long threadsCpu(Thread[] threads) {
        long sum = 0;
        for (Thread t : threads) {
            sum += Math.max(0, ManagementFactory.getThreadMXBean().getThreadCpuTime(t.getId()));
        }
        return sum;
    }

    /** Voluntary and involuntary context switches of the process's live threads (Linux; 0 elsewhere). */
    private static long contextSwitches() {
        return ThreadSwitches.of(name -> true, true).stream().mapToLong(Long::longValue).sum();
    }
}
