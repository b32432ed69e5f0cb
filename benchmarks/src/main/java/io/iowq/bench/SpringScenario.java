package io.iowq.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;

/** Runs {@link SpringAsyncBenchmark} with JMH, each group of methods against its peers, into one {@link ScenarioResult}. */
final class SpringScenario {

    static final String EMPTY = "empty @Async";
    static final String HASHED = "@Hashed @Async, 1,000 keys";
    static final String SLEEP = "@Async sleeping 1 ms";
    static final String HAND_OFF = "execute(), bare hand-off";

    /** The methods of one group and the peers they run against. */
    private record Group(String methods, String name, List<SpringPeer> peers) {
    }

    private static final List<Group> GROUPS = List.of(
            new Group("handOff", HAND_OFF, List.of(SpringPeer.BOOT_TPE, SpringPeer.IOWQ, SpringPeer.IOWQ_METRICS)),
            new Group("empty", EMPTY, List.of(SpringPeer.BOOT_TPE, SpringPeer.BOOT_VTHREADS, SpringPeer.IOWQ,
                    SpringPeer.IOWQ_METRICS)),
            new Group("hashed", HASHED, List.of(SpringPeer.IOWQ, SpringPeer.IOWQ_METRICS, SpringPeer.STRIPED)),
            new Group("sleep", SLEEP, List.of(SpringPeer.BOOT_TPE, SpringPeer.BOOT_VTHREADS, SpringPeer.IOWQ,
                    SpringPeer.IOWQ_VTHREADS, SpringPeer.IOWQ_METRICS)));

    private SpringScenario() {
    }

    static ScenarioResult run(Runs runs, Path jmhJson) throws Exception {
        JmhRun jmh = JmhRun.of(runs, 2, 2, 4);
        ScenarioResult r = new ScenarioResult("spring", "7", "Spring Boot @Async, peer by peer", "iowq")
                .setup(jmh.describe() + ", one Spring "
                        + "Boot context per peer and fork. One operation = " + SpringAsyncBenchmark.CALLS + " calls of "
                        + "an @Async method returning CompletableFuture (the future is dropped; the method counts "
                        + "its caller down), then wait until all have run; score = calls per second, end to end. "
                        + "Two threads = two JMH threads, each with its own calls; their scores add up. The 1 ms "
                        + "sleep puts 1,000 calls (2,000 with two threads) in flight at once; on iowq the method is "
                        + "@Unbounded. The bare hand-off gives the context's applicationTaskExecutor.execute() "
                        + HandOffBenchmark.BATCH + " tasks that only count down. The value per round is one "
                        + "measured iteration (of any fork).")
                .rounds(Math.max(1, jmh.forks()) * jmh.iterations())
                .metric("calls_per_s", "throughput", "calls/s", true, true);
        for (SpringPeer p : List.of(SpringPeer.BOOT_TPE, SpringPeer.BOOT_VTHREADS, SpringPeer.IOWQ,
                SpringPeer.IOWQ_VTHREADS, SpringPeer.IOWQ_METRICS, SpringPeer.STRIPED)) {
            r.peer(p.id, p.description);
        }
        String stem = jmhJson.getFileName().toString().replace(".json", "");
        List<String> files = new ArrayList<>();
        for (Group g : GROUPS) {
            Path file = jmhJson.resolveSibling(stem + "-" + g.methods() + ".json");
            files.add(file.getFileName().toString());
            // a smoke run starts every peer's context once (one thread), which is most of its time
            String threads = runs.smoke ? "OneThread$" : "(OneThread|TwoThreads)$";
            Collection<RunResult> results = jmh.run(SpringAsyncBenchmark.class.getName() + "\\." + g.methods()
                    + threads, g.peers().stream().map(p -> p.id).toList(), file);
            for (RunResult run : results) {
                String peer = run.getParams().getParam("peer");
                String caseName = caseName(g.name(), JmhRun.method(run).endsWith("OneThread") ? 1 : 2);
                JmhRun.scores(run).forEach(v -> r.add(caseName, peer, "calls_per_s", v));
            }
        }
        for (int threads = 1; threads <= 2; threads++) {
            String handOff = caseName(HAND_OFF, threads);
            String empty = caseName(EMPTY, threads);
            String sleep = caseName(SLEEP, threads);
            String hashed = caseName(HASHED, threads);
            String t = threads == 1 ? ", 1 thread" : ", 2 threads";
            r.target("hand-off" + t + ": iowq ÷ boot-tpe ≥ 1.0", handOff, "calls_per_s", "iowq", "boot-tpe", ">=", 1.0);
            r.target("hand-off" + t + ": iowq-metrics ÷ boot-tpe ≥ 1.0", handOff, "calls_per_s", "iowq-metrics",
                    "boot-tpe", ">=", 1.0);
            r.target("empty @Async" + t + ": iowq ÷ boot-tpe ≥ 1.0", empty, "calls_per_s", "iowq", "boot-tpe", ">=",
                    1.0);
            r.target("empty @Async" + t + ": iowq-metrics ÷ boot-tpe ≥ 1.0", empty, "calls_per_s", "iowq-metrics",
                    "boot-tpe", ">=", 1.0);
            r.target("1 ms sleep" + t + ": iowq ÷ boot-tpe ≥ 1.0", sleep, "calls_per_s", "iowq", "boot-tpe", ">=", 1.0);
            r.target("1 ms sleep" + t + ": iowq ÷ boot-vthreads ≥ 0.67 (time within 1.5×)", sleep, "calls_per_s",
                    "iowq", "boot-vthreads", ">=", 1 / 1.5);
            r.targetAcross("@Hashed" + t + ": iowq @Hashed ÷ iowq empty @Async ≥ 0.8", hashed, "calls_per_s", "iowq",
                    empty, "iowq", ">=", 0.8);
        }
        r.note("JMH's own results files: " + String.join(", ", files.stream().map(f -> "`" + f + "`").toList()) + ".");
        r.note("Counters: at the end of every iowq trial the harness checked that the pool's submitted and completed "
                + "counts equal the calls made, with none failed, cancelled or rejected, and (iowq-metrics) that the "
                + "`iowq.work{outcome=completed}` counter agrees; a mismatch fails the run.");
        return r;
    }

    static String caseName(String group, int threads) {
        return group + (threads == 1 ? ", 1 thread" : ", 2 threads");
    }
}
