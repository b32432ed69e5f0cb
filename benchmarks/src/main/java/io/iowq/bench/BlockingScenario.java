package io.iowq.bench;

import io.iowq.core.WorkClass;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Scenario 3 (and issue 3's blocking half): closed batches of tasks that block, in {@code sleep}
 * or in a read from a loopback peer that answers late. Time to finish and peak threads, for iowq's
 * unbound and bound classes, with the blocking observed by the manager or told by the task.
 */
final class BlockingScenario {

    private BlockingScenario() {
    }

    static ScenarioResult run(Runs runs) throws Exception {
        int tasks = runs.pick(64, 16);
        long blockMillis = runs.pick(100, 20);
        int rounds = runs.rounds(5);
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("iowq", Peer.IOWQ, WorkClass.UNBOUND, false));
        variants.add(new Variant("iowq bound", Peer.IOWQ, WorkClass.BOUND, false));
        variants.add(new Variant("iowq told", Peer.IOWQ, WorkClass.UNBOUND, true));
        Variant.allPeers().stream().filter(v -> v.peer() != Peer.IOWQ).forEach(variants::add);
        String sleepCase = tasks + " x sleep " + blockMillis + " ms";
        String socketCase = tasks + " x socket read, answer after " + blockMillis + " ms";
        ScenarioResult r = new ScenarioResult("blocking", "3", "Blocking tasks", "iowq")
                .setup("Closed batches of " + tasks + " tasks, all submitted at once from one thread; a new executor "
                        + "per run. Each task blocks " + blockMillis + " ms: in `Thread.sleep`, or in a blocking "
                        + "`java.net.Socket` read from a server on 127.0.0.1 that answers " + blockMillis + " ms after "
                        + "the request (one pre-opened connection per task; a platform thread there shows RUNNABLE). "
                        + "`iowq` = unbound work, blocking observed by the manager; `iowq bound` = bound work, observed; "
                        + "`iowq told` = unbound work wrapped in `Blocking.run`. Peak threads: iowq counts its "
                        + "manager; vthreads counts virtual threads.")
                .rounds(rounds)
                .metric("time_ms", "time to finish", "ms", false, true)
                .metric("peak_threads", "peak threads", "threads", false, true);
        variants.forEach(v -> r.peer(v.name(), v.peer().description + (v.peer() == Peer.IOWQ
                ? "; " + v.workClass().tag() + " work, blocking " + (v.told() ? "told (Blocking.run)" : "observed")
                : "")));
        List<Double> carriers = new ArrayList<>();
        try (DelayedServer server = new DelayedServer(blockMillis, tasks)) {
            for (int round = runs.firstRound(); round <= rounds; round++) {
                for (Variant v : Runs.order(variants, round)) {
                    measure(r, round, sleepCase, v, tasks, i -> v.blocking(() -> Runs.sleepInTask(blockMillis)), carriers);
                    measure(r, round, socketCase, v, tasks, i -> v.blocking(() -> server.roundTrip(i)), carriers);
                }
            }
        }
        for (String c : List.of(sleepCase, socketCase)) {
            r.target("time, " + c + ": iowq ÷ boot-tpe ≤ 0.25 (issue 3: ≥ 4x faster)", c, "time_ms", "iowq", "boot-tpe",
                    "<=", 0.25);
            if (VirtualThreads.available()) {
                r.target("time, " + c + ": iowq ÷ vthreads ≤ 1.5 (issue 3)", c, "time_ms", "iowq", "vthreads", "<=", 1.5);
            }
        }
        r.note("Ideal times: every task at once = " + blockMillis + " ms; 8 threads (boot-tpe, iowq bound's default "
                + "maxWorkers = 4 x CPUs) = " + (tasks + 7) / 8 * blockMillis + " ms; CPU-count threads = "
                + (tasks + Peer.CPUS - 1) / Peer.CPUS * blockMillis + " ms.");
        if (!carriers.isEmpty()) {
            r.note("vthreads ran on " + Charts.format(ScenarioResult.median(carriers)) + " carrier threads (median of "
                    + "the JDK scheduler's platform threads alive after each run).");
        }
        return r;
    }

    private static void measure(ScenarioResult r, int round, String caseName, Variant v, int tasks,
                                IntFunction<Runnable> body, List<Double> carriers) throws Exception {
        Runs.settle();
        Batch.Timed t = Batch.time(v, tasks, body);
        if (round == 0) {
            return;
        }
        r.add(caseName, v.name(), "time_ms", t.millis());
        r.add(caseName, v.name(), "peak_threads", t.peakThreads());
        if (v.peer() == Peer.VTHREADS) {
            carriers.add((double) t.carriers());
        }
    }
}
