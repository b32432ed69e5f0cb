package io.iowq.bench;

import io.iowq.core.Work;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Scenario 4: keyed work over 1,000 keys where one key's tasks block 100 ms. iowq serializes each
 * key exactly; the striped executor serializes each stripe, so the slow key holds up every key that
 * hashes to its stripe. Measured: start latency of the other keys' tasks.
 */
final class KeyedScenario {

    static final int STRIPES = 8;

    private KeyedScenario() {
    }

    static ScenarioResult run(Runs runs) throws Exception {
        int keys = 1000;
        double rate = 4000;
        long millis = runs.pick(4000, 500);
        long slowMillis = 100;
        long slowEveryMillis = 125;
        double taskMicros = 20;
        int rounds = runs.rounds(3);
        String caseName = keys + " keys, key 0 blocks " + slowMillis + " ms";
        ScenarioResult r = OpenLoop.percentileMetrics(new ScenarioResult("keyed", "4",
                "Keyed work with one slow key: start latency of the other keys", "iowq"))
                .setup(String.format(Locale.ROOT, "One submitter, open loop for %d ms: Poisson arrivals at %,.0f tasks/s "
                        + "over keys 1..%d (uniform, seeded), each burning %.0f µs of CPU; and every %d ms a task of "
                        + "key 0 that sleeps %d ms (%.0f%% of one thread). iowq: `Work.of(task).hashed(key)` "
                        + "(bound class, blocking observed); striped: %d single-thread executors chosen by "
                        + "`floorMod(key.hashCode(), %d)`. Start latency = submit to first instruction, of the other "
                        + "keys' tasks only.", millis, rate, keys - 1, taskMicros, slowEveryMillis, slowMillis,
                        100.0 * slowMillis / slowEveryMillis, STRIPES, STRIPES))
                .rounds(rounds)
                .peer("iowq", Peer.IOWQ.description + "; hashed work, bound class")
                .peer("striped", STRIPES + " single-thread ThreadPoolExecutors chosen by key hash (BookKeeper "
                        + "OrderedExecutor / Hazelcast StripedExecutor)");
        long stripeMates = IntStream.range(1, keys)
                .filter(k -> Math.floorMod(Integer.hashCode(k), STRIPES) == Math.floorMod(Integer.hashCode(0), STRIPES))
                .count();
        Schedule schedule = Schedule.of(keys, rate, millis, slowEveryMillis, 42);
        long iterations = Cpu.iterations(taskMicros);
        for (int round = runs.firstRound(); round <= rounds; round++) {
            for (String peer : Runs.order(List.of("iowq", "striped"), round)) {
                Runs.settle();
                Histogram h = run(peer, schedule, iterations, slowMillis);
                if (round > 0) {
                    OpenLoop.addPercentiles(r, caseName, peer, h);
                }
            }
        }
        r.target("p99, other keys: iowq < 5 ms", caseName, "p99_us", "iowq", null, "<=", 5000)
                .note(String.format(Locale.ROOT, "Keys that share key 0's stripe in the striped executor: %d of %d.",
                        stripeMates, keys - 1));
        return r;
    }

    private static Histogram run(String peer, Schedule s, long iterations, long slowMillis) throws Exception {
        OpenLoop.Submit submit;
        AutoCloseable executor;
        if (peer.equals("iowq")) {
            Peer.Pool pool = Peer.IOWQ.open();
            submit = (i, task) -> pool.iowq().enqueue(Work.of(task).hashed(s.key[i]));
            executor = pool;
        } else {
            StripedExecutor striped = new StripedExecutor(STRIPES, new ThreadCount(0).platform("striped-"));
            submit = (i, task) -> striped.execute(s.key[i], task);
            executor = striped;
        }
        try (executor) {
            return OpenLoop.run(s.at, i -> s.key[i] == 0 ? () -> Runs.sleepInTask(slowMillis) : () -> Cpu.burn(iterations),
                    submit, i -> s.key[i] != 0);
        }
    }

    /** Arrival times and keys: Poisson arrivals over keys 1..n-1 merged with key 0 at a fixed period. */
    private record Schedule(long[] at, Integer[] key) {

        static Schedule of(int keys, double rate, long millis, long slowEveryMillis, long seed) {
            long[] others = OpenLoop.poisson((int) (rate * millis / 1000), rate, seed);
            long period = TimeUnit.MILLISECONDS.toNanos(slowEveryMillis);
            int slow = (int) (millis / slowEveryMillis);
            long[] at = new long[others.length + slow];
            Integer[] key = new Integer[at.length];
            SplittableRandom random = new SplittableRandom(seed + 1);
            int o = 0;
            int k = 0;
            for (int i = 0; i < at.length; i++) {
                long nextSlow = k < slow ? k * period : Long.MAX_VALUE;
                if (o < others.length && others[o] < nextSlow) {
                    at[i] = others[o++];
                    key[i] = 1 + random.nextInt(keys - 1);
                } else {
                    at[i] = nextSlow;
                    key[i] = 0;
                    k++;
                }
            }
            return new Schedule(at, key);
        }
    }
}
