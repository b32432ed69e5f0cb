package io.iowq.bench;

import io.iowq.core.IoWqStats;
import io.iowq.core.WorkClass;

import java.util.Locale;

/**
 * A diagnostic, not a scenario: runs one batch of blocking tasks on iowq (unbound work, blocking
 * observed or told) and prints the unbound class's workers, blocked workers and queued items every
 * 2 ms, to show how fast the pool grows. {@code GrowthTrace sleep|socket [observed|told] [tasks] [ms]}.
 */
public final class GrowthTrace {

    private GrowthTrace() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "sleep";
        boolean told = args.length > 1 && args[1].equals("told");
        int tasks = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        long blockMillis = args.length > 3 ? Long.parseLong(args[3]) : 100;
        Variant v = new Variant("iowq", Peer.IOWQ, WorkClass.UNBOUND, told);
        try (DelayedServer server = new DelayedServer(blockMillis, tasks); Peer.Pool pool = Peer.IOWQ.open()) {
            Batch batch = new Batch(tasks);
            long t0 = System.nanoTime();
            for (int i = 0; i < tasks; i++) {
                int slot = i;
                Runnable body = kind.equals("socket") ? () -> server.roundTrip(slot) : () -> Runs.sleepInTask(blockMillis);
                v.submit(pool, batch.task(v.blocking(body)));
            }
            System.out.println("ms\tworkers\tblocked\trunning\tpending\tsample rounds");
            for (int s = 0; s < 5000 && batch.endNanos() == 0; s++) {
                IoWqStats.ClassStats u = pool.iowq().stats().unbounded();
                System.out.printf(Locale.ROOT, "%.1f\t%d\t%d\t%d\t%d\t%d%n", Runs.millisSince(t0), u.workers(),
                        u.blocked(), u.running(), u.pending(), pool.iowq().blockingSamples());
                Runs.sleepMillis(2);
            }
            batch.await("growth trace");
            System.out.printf(Locale.ROOT, "finished in %.1f ms, peak threads %d (with the manager)%n",
                    (batch.endNanos() - t0) / 1e6, pool.threads().peak());
        }
    }
}
