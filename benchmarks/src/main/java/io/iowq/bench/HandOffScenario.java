package io.iowq.bench;

import org.openjdk.jmh.results.RunResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Runs {@link HandOffBenchmark} with JMH and turns its iterations into a {@link ScenarioResult}. */
final class HandOffScenario {

    private HandOffScenario() {
    }

    static ScenarioResult run(Runs runs, Path jmhJson) throws Exception {
        // 4 forks: on 2 CPUs, with submitters and workers sharing them, a fork can settle in a slow or a
        // fast schedule for its whole life (seen for every executor), so the median needs several.
        // 4 forks: on 2 CPUs, with submitters and workers sharing them, a fork can settle in a slow or a
        // fast schedule for its whole life (seen for every executor), so the median needs several.
        JmhRun jmh = JmhRun.of(runs, 4, 3, 5);
        List<Peer> peers = Peer.available();
        List<String> ids = new ArrayList<>(peers.stream().map(p -> p.id).toList());
        ids.add(1, HandOffBenchmark.IOWQ_TIMED);
        Collection<RunResult> results = jmh.run(HandOffBenchmark.class.getName() + "\\.", ids, jmhJson);
        ScenarioResult r = new ScenarioResult("handoff", "1", "Hand-off of tiny tasks", "iowq")
                .setup(jmh.describe() + ". One operation "
                        + "= submit " + HandOffBenchmark.BATCH + " tasks that only decrement a counter, then wait "
                        + "until all have run; score = tasks per second, end to end. Two submitters = two JMH "
                        + "threads, each with its own batch; their scores add up. The value per round is one "
                        + "measured iteration (of any fork).")
                .rounds(Math.max(1, jmh.forks()) * jmh.iterations())
                .metric("tasks_per_s", "throughput", "tasks/s", true, true);
        peers.forEach(p -> r.peer(p.id, p.description));
        r.peer(HandOffBenchmark.IOWQ_TIMED, "iowq as the Spring Boot starter configures it: defaults plus "
                + "recordTimes (a clock read at acceptance and one per item on the worker, for the timers and the "
                + "endpoint's ages)");
        for (RunResult run : results) {
            String peer = run.getParams().getParam("peer");
            String caseName = JmhRun.method(run).equals("oneSubmitter") ? "1 submitter" : "2 submitters";
            JmhRun.scores(run).forEach(v -> r.add(caseName, peer, "tasks_per_s", v));
        }
        for (String c : List.of("1 submitter", "2 submitters")) {
            r.target("throughput, " + c + ": iowq ÷ boot-tpe ≥ 1.0 (issue 8)", c, "tasks_per_s", "iowq", "boot-tpe",
                    ">=", 1.0);
            r.target("throughput, " + c + ": iowq-timed ÷ boot-tpe ≥ 1.0 (the starter's configuration)", c,
                    "tasks_per_s", HandOffBenchmark.IOWQ_TIMED, "boot-tpe", ">=", 1.0);
        }
        return r.note("JMH's own results file: `" + jmhJson.getFileName() + "`.");
    }
}
