package io.iowq.bench;

import io.iowq.core.IoWq;
import io.iowq.core.IoWqConfig;
import io.iowq.core.IoWqStats;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Issue 3's sampling cost: the CPU time the iowq manager thread uses per second of wall time with
 * no work, with 64 workers blocked in work and nothing waiting (the manager only reads a counter),
 * and with 64 blocked workers while work waits (it samples each worker's state and CPU time).
 */
final class SamplingCostScenario {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SamplingCostScenario() {
    }

    static ScenarioResult run(Runs runs) throws Exception {
        int workers = runs.pick(64, 8);
        long windowMillis = runs.pick(2000, 300);
        int rounds = runs.rounds(3);
        String idle = "no work";
        String busy = workers + " blocked workers, nothing waits";
        String waits = workers + " blocked workers, " + workers + " items wait";
        String waits1ms = waits + ", period 1 ms";
        ScenarioResult r = new ScenarioResult("sampling", "3b", "Cost of observing blocking (manager CPU)", "iowq")
                .setup("iowq with unbound maxWorkers = " + workers + ". Workers are made busy by unbound tasks that wait "
                        + "on a latch (so the manager observes them blocked); once all " + workers + " exist, "
                        + workers + " more tasks are queued, which must wait. Over a " + windowMillis + " ms window: "
                        + "CPU time of the thread named `iowq-manager` (`ThreadMXBean.getThreadCpuTime`) per second "
                        + "of wall time, and sample rounds per second (`IoWq.blockingSamples`). Default sample period "
                        + "(10 ms, adaptive down to 1 ms while states change) unless the case says 1 ms. Manager parks = "
                        + "the thread's voluntary context switches per second (`/proc/self/task/*/status`), i.e. "
                        + "how often it goes to sleep and wakes up.")
                .rounds(rounds)
                .metric("cpu_us_per_s", "manager CPU", "µs per s", false, false)
                .metric("rounds_per_s", "sample rounds", "per s", false, false)
                .metric("parks_per_s", "manager parks", "per s", false, false)
                .peer("iowq", Peer.IOWQ.description);
        for (int round = runs.firstRound(); round <= rounds; round++) {
            measure(r, round, idle, busy, waits, workers, windowMillis, Duration.ofMillis(10));
            measure(r, round, null, null, waits1ms, workers, windowMillis, Duration.ofMillis(1));
        }
        r.note("Per sampled worker and round, the manager reads `Thread.getState()` and the thread's CPU time; at "
                + "the default period that is about " + workers + " x 100 reads per second.");
        return r;
    }

    private static void measure(ScenarioResult r, int round, String idleCase, String busyCase, String waitCase,
                                int workers, long windowMillis, Duration period) throws Exception {
        Runs.settle();
        IoWqConfig.Builder config = IoWqConfig.builder().maxWorkers(WorkClass.UNBOUND, workers)
                .blockingSamplePeriod(period);
        CountDownLatch release = new CountDownLatch(1);
        try (Peer.Pool pool = Peer.IOWQ.open(config)) {
            try {
                IoWq iowq = pool.iowq();
                Thread manager = iowq.threads().stream().filter(t -> t.getName().endsWith("manager")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no iowq manager thread"));
                Runs.sleepMillis(200);
                if (idleCase != null) {
                    record(r, round, idleCase, iowq, manager, windowMillis);
                }
                Batch batch = new Batch(2 * workers);
                Runnable wait = batch.task(() -> awaitRelease(release));
                for (int i = 0; i < workers; i++) {
                    iowq.enqueue(Work.of(wait).unbound());
                }
                awaitStats(iowq, s -> s.unbounded().workers() == workers && s.pending() == 0, workers + " busy workers");
                if (busyCase != null) {
                    record(r, round, busyCase, iowq, manager, windowMillis);
                }
                for (int i = 0; i < workers; i++) {
                    iowq.enqueue(Work.of(wait).unbound());
                }
                awaitStats(iowq, s -> s.pending() == workers, workers + " waiting items");
                record(r, round, waitCase, iowq, manager, windowMillis);
                release.countDown();
                batch.await("sampling cost");
            } finally {
                release.countDown(); // never leave a worker waiting when the pool closes
            }
        }
    }

    private static void record(ScenarioResult r, int round, String caseName, IoWq iowq, Thread manager,
                               long windowMillis) {
        long cpu0 = THREADS.getThreadCpuTime(manager.getId());
        long samples0 = iowq.blockingSamples();
        long parks0 = voluntarySwitches(manager.getName());
        long t0 = System.nanoTime();
        Runs.sleepMillis(windowMillis);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuMicros = (THREADS.getThreadCpuTime(manager.getId()) - cpu0) / 1e3;
        long samples = iowq.blockingSamples() - samples0;
        long parks1 = voluntarySwitches(manager.getName());
        if (round > 0) {
            r.add(caseName, "iowq", "cpu_us_per_s", cpuMicros / seconds);
            r.add(caseName, "iowq", "rounds_per_s", samples / seconds);
            r.add(caseName, "iowq", "parks_per_s", parks0 < 0 || parks1 < 0 ? Double.NaN : (parks1 - parks0) / seconds);
        }
    }

    /**
     * The voluntary context switches of the one live thread whose native name is {@code name}
     * (HotSpot names native threads after Java threads, up to 15 characters); -1 off Linux, or when
     * no single thread has that name.
     */
    static long voluntarySwitches(String name) {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        List<Long> counts = ThreadSwitches.of(comm::equals, false);
        return counts.size() == 1 ? counts.get(0) : -1;
    }

    private static void awaitRelease(CountDownLatch release) {
        try {
            if (!release.await(Runs.RUN_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Polls the pool's stats until {@code condition} holds, at most 20 s. */
    private static void awaitStats(IoWq iowq, Predicate<IoWqStats> condition, String what) throws TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.test(iowq.stats())) {
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("iowq never reached " + what + ": " + iowq.stats());
            }
            Runs.sleepMillis(5);
        }
    }
}
