package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A burst of CPU-bound items gets the concurrency target's worth of workers, however submissions and
 * wakes interleave: each submission wakes or creates a worker while fewer than the target run
 * ({@code Account.wakeOrCreate}, under the lock a worker parks under), so one worker never runs the
 * burst alone. Each item spins until {@code concurrency} items have run at once (or a deadline
 * passes), so a burst that never reaches the target shows as a peak below it.
 */
class BurstParallelismStressTest {

    private static final int ROUNDS = Integer.getInteger("iowq.stress.bursts", 300);
    private static final int CONCURRENCY = 3;
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

    @RegisterExtension
    final Pools pools = new Pools();

    @Test
    void everyBurstReachesTheConcurrencyTarget() throws Exception {
        IoWq pool = pools.start(Pools.bound(4 * CONCURRENCY, CONCURRENCY));
        SplittableRandom random = new SplittableRandom(Seeds.seed("BurstParallelismStressTest"));
        for (int round = 0; round < ROUNDS; round++) {
            Burst burst = new Burst();
            List<Work<Object>> items = submit(pool, burst, CONCURRENCY + random.nextInt(4 * CONCURRENCY), random);
            for (Work<Object> item : items) {
                item.get(30, TimeUnit.SECONDS);
            }
            assertThat(burst.peak.get()).as("round %d: most items running at once", round).isEqualTo(CONCURRENCY);
            if (random.nextBoolean()) { // else the next burst meets workers still on their way to idle
                Pools.eventually().until(() -> pool.stats().bounded().running() == 0);
            }
        }
    }

    /** Submits {@code n} items, from this thread, with random pauses between them (none, or a short spin). */
    private static List<Work<Object>> submit(IoWq pool, Burst burst, int n, SplittableRandom random) {
        List<Work<Object>> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(pool.enqueue(Work.of(burst::runOne)));
            for (int spin = random.nextInt(3) == 0 ? random.nextInt(2_000) : 0; spin > 0; spin--) {
                Thread.onSpinWait();
            }
        }
        return items;
    }

    /** One burst's items: each counts itself running and spins until the target was reached once. */
    private static final class Burst {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();

        Object runOne() {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (peak.get() < CONCURRENCY && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            running.decrementAndGet();
            return null;
        }
    }
}
