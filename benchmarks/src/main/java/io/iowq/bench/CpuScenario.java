package io.iowq.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 2 (and issue 3's CPU half): closed batches of CPU-bound tasks. Time to finish,
 * throughput, and the most threads each executor started for them.
 */
final class CpuScenario {

    private CpuScenario() {
    }

    static ScenarioResult run(Runs runs) throws Exception {
        int cpus = Peer.CPUS;
        record Shape(String name, int tasks, double micros) {
        }
        List<Shape> shapes = List.of(
                new Shape(runs.pick(64, 16) + " x 10 ms", runs.pick(64, 16), runs.smoke ? 2_000 : 10_000),
                new Shape(runs.pick(2000, 200) + " x 0.2 ms", runs.pick(2000, 200), 200));
        int rounds = runs.rounds(5);
        List<Variant> variants = Variant.allPeers();
        ScenarioResult r = new ScenarioResult("cpu", "2", "CPU-bound tasks", "iowq")
                .setup(String.format(Locale.ROOT, "Closed batches of CPU-bound tasks (a calibrated xorshift loop: "
                        + "%d iterations per ms on one core), all submitted at once from one thread; a new executor "
                        + "per run. Time from the first submission to the last completion; throughput = tasks / "
                        + "time; peak threads = the most threads of the executor alive at once (iowq: workers + "
                        + "its manager thread; vthreads: virtual threads).", Cpu.iterations(1000)))
                .rounds(rounds)
                .metric("time_ms", "time to finish", "ms", false, false)
                .metric("tasks_per_s", "throughput", "tasks/s", true, true)
                .metric("peak_threads", "peak threads", "threads", false, false);
        variants.forEach(v -> r.peer(v.name(), v.peer().description));
        List<Double> carriers = new ArrayList<>();
        for (int round = runs.firstRound(); round <= rounds; round++) {
            for (Shape shape : shapes) {
                long iterations = Cpu.iterations(shape.micros());
                for (Variant v : Runs.order(variants, round)) {
                    Runs.settle();
                    Batch.Timed t = Batch.time(v, shape.tasks(), i -> () -> Cpu.burn(iterations));
                    if (round == 0) {
                        continue;
                    }
                    r.add(shape.name(), v.name(), "time_ms", t.millis());
                    r.add(shape.name(), v.name(), "tasks_per_s", shape.tasks() / (t.millis() / 1000));
                    r.add(shape.name(), v.name(), "peak_threads", t.peakThreads());
                    if (v.peer() == Peer.VTHREADS) {
                        carriers.add((double) t.carriers());
                    }
                }
            }
        }
        String big = shapes.get(0).name();
        r.target("time, " + big + ": iowq ÷ tpe-cpus ≤ 1.10 (issue 3)", big, "time_ms", "iowq", "tpe-cpus", "<=", 1.10)
                .target("peak threads, " + big + ": iowq ≤ CPUs + 1 (issue 3)", big, "peak_threads", "iowq", null, "<=",
                        cpus + 1)
                .target("throughput, " + big + ": iowq ÷ fjp ≥ 0.9 (issue 8)", big, "tasks_per_s", "iowq", "fjp", ">=",
                        0.9);
        String small = shapes.get(1).name();
        r.target("throughput, " + small + ": iowq ÷ fjp ≥ 0.9 (issue 8)", small, "tasks_per_s", "iowq", "fjp", ">=", 0.9)
                .target("peak threads, " + small + ": iowq ≤ CPUs + 1 (issue 8)", small, "peak_threads", "iowq", null,
                        "<=", cpus + 1);
        if (!carriers.isEmpty()) {
            r.note("vthreads ran on " + Charts.format(ScenarioResult.median(carriers)) + " carrier threads (median of "
                    + "the JDK scheduler's platform threads alive after each run).");
        }
        return r;
    }
}
