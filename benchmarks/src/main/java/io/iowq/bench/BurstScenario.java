package io.iowq.bench;

import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 5: a burst of blocking work, then nothing. Live threads over time, and how long after
 * the burst ended each executor is back to its idle floor (iowq: the one bound worker it keeps and
 * its manager; the others: no thread).
 */
final class BurstScenario {

    private BurstScenario() {
    }

    static ScenarioResult run(Runs runs) throws Exception {
        int tasks = runs.pick(64, 16);
        long blockMillis = runs.pick(100, 20);
        Duration idleTimeout = runs.smoke ? Duration.ofMillis(300) : IoWqConfig.DEFAULT_IDLE_TIMEOUT;
        long quietMillis = idleTimeout.toMillis() + runs.pick(2000, 500);
        long sampleMillis = runs.pick(50, 20);
        int rounds = runs.rounds(3);
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("iowq", Peer.IOWQ, WorkClass.UNBOUND, false));
        for (Peer p : Peer.available()) {
            if (p != Peer.IOWQ && p != Peer.TPE_CPUS) {
                variants.add(Variant.of(p));
            }
        }
        String caseName = tasks + " x sleep " + blockMillis + " ms, then quiet";
        ScenarioResult r = new ScenarioResult("burst", "5", "A burst of blocking work, then quiet", "iowq")
                .setup("A new executor gets " + tasks + " tasks at once that each sleep " + blockMillis + " ms (iowq: "
                        + "unbound work, blocking observed; idle timeout " + idleTimeout.toMillis() + " ms), then "
                        + "nothing for " + quietMillis + " ms after the last one ends. Live threads sampled every "
                        + sampleMillis + " ms. Back-to-floor = time from the end of the burst until the executor's "
                        + "threads are down to its idle floor: iowq one bound worker + its manager, the others "
                        + "none; – when it did not happen within the window. fjp and boot-tpe keep idle threads "
                        + "60 s; vthreads counts virtual threads (the JDK scheduler's carriers are not counted). "
                        + "tpe-cpus is left out: its threads never time out.")
                .rounds(rounds)
                .metric("peak_threads", "peak threads", "threads", false, false)
                .metric("end_threads", "threads at the end of the window", "threads", false, false)
                .metricWithoutRatio("floor_ms", "back to floor after the burst", "ms", false);
        variants.forEach(v -> r.peer(v.name(), v.peer().description));
        Map<String, List<List<Double>>> series = new LinkedHashMap<>();
        variants.forEach(v -> series.put(v.name(), new ArrayList<>()));
        List<Double> iowqBurstEnds = new ArrayList<>();
        for (int round = runs.firstRound(); round <= rounds; round++) {
            for (Variant v : Runs.order(variants, round)) {
                Runs.settle();
                IoWqConfig.Builder config = IoWqConfig.builder().idleTimeout(idleTimeout);
                try (Peer.Pool pool = v.peer().open(config)) {
                    int floor = v.peer() == Peer.IOWQ ? 2 : 0; // iowq keeps one bound worker, and its manager
                    List<Double> samples = new ArrayList<>();
                    Batch batch = new Batch(tasks);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < tasks; i++) {
                        v.submit(pool, batch.task(() -> Runs.sleepInTask(blockMillis)));
                    }
                    double burstEnd = Double.NaN;
                    double floorAt = Double.POSITIVE_INFINITY;
                    long maxSamples = (Runs.RUN_LIMIT_SECONDS * 1000 + quietMillis) / sampleMillis;
                    for (int s = 0; s < maxSamples; s++) {
                        double at = s * sampleMillis;
                        Runs.sleepMillis(Math.max(0, Math.round(at - Runs.millisSince(t0))));
                        int live = pool.threads().live();
                        samples.add((double) live);
                        if (Double.isNaN(burstEnd) && batch.endNanos() != 0) {
                            burstEnd = (batch.endNanos() - t0) / 1e6;
                        }
                        if (Double.isNaN(burstEnd)) {
                            continue;
                        }
                        if (live <= floor && Double.isInfinite(floorAt)) {
                            floorAt = Math.max(0, at - burstEnd);
                        }
                        if (at >= burstEnd + quietMillis) {
                            break;
                        }
                    }
                    batch.await("burst " + v.name());
                    if (round == 0) {
                        continue;
                    }
                    r.add(caseName, v.name(), "peak_threads", pool.threads().peak());
                    r.add(caseName, v.name(), "end_threads", samples.get(samples.size() - 1));
                    r.add(caseName, v.name(), "floor_ms", floorAt);
                    series.get(v.name()).add(samples);
                    if (v.peer() == Peer.IOWQ) {
                        iowqBurstEnds.add(burstEnd);
                    }
                }
            }
        }
        r.target("iowq back to one bound worker within idle timeout + 1 s", caseName, "floor_ms", "iowq", null, "<=",
                idleTimeout.toMillis() + 1000);
        Map<String, Object> threads = new LinkedHashMap<>();
        series.forEach((peer, perRound) -> threads.put(peer, medianSeries(perRound)));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("label", "live threads (median over rounds per sample)");
        s.put("interval_ms", sampleMillis);
        s.put("threads", threads);
        double idleEnd = ScenarioResult.median(iowqBurstEnds) + idleTimeout.toMillis();
        s.put("markers", List.of(
                Map.of("x_ms", idleEnd, "label", "iowq burst end + idle timeout"),
                Map.of("x_ms", idleEnd + 1000, "label", "+ 1 s")));
        return r.extra("series", s);
    }

    /** The median of each sample index over the rounds (as long as the shortest round). */
    private static List<Double> medianSeries(List<List<Double>> rounds) {
        int n = rounds.stream().mapToInt(List::size).min().orElse(0);
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Double> xs = new ArrayList<>();
            for (List<Double> round : rounds) {
                xs.add(round.get(i));
            }
            out.add(ScenarioResult.median(xs));
        }
        return out;
    }
}
