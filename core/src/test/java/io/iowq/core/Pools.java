package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the pools of one test and, after it, stops them and checks that they terminate and leave
 * no thread behind. Register with {@code @RegisterExtension final Pools pools = new Pools();}.
 */
final class Pools implements AfterEachCallback {

    private final List<IoWq> started = new ArrayList<>();

    /**
     * Idle workers kept for the length of a test, and no observed blocking: only what
     * the test does moves the pool.
     */
    static IoWqConfig.Builder quiet() {
        return IoWqConfig.builder().observeBlocking(false).idleTimeout(Duration.ofSeconds(60));
    }

    /** {@link #quiet()} with {@code maxWorkers} and {@code concurrency} of the bound class. */
    static IoWqConfig.Builder bound(int maxWorkers, int concurrency) {
        return quiet().maxWorkers(WorkClass.BOUND, maxWorkers).concurrency(WorkClass.BOUND, concurrency);
    }

    /**
     * Starts a pool and waits until its first bound worker is idle: until then it counts as running,
     * and a submission below the concurrency target would get a second worker.
     */
    IoWq start(IoWqConfig.Builder config) {
        IoWq pool = new IoWq(config.build());
        started.add(pool);
        eventually().until(() -> pool.stats().bounded().idle() == 1);
        return pool;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (IoWq pool : started) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).as("%s terminated", pool).isTrue();
            waitAtMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.threads()).isEmpty());
        }
        started.clear();
    }

    /** Makes {@code n} bound workers and waits until they are all idle on the free list. */
    static void idleWorkers(IoWq pool, int n) {
        Gate gate = new Gate();
        for (int i = 0; i < n; i++) {
            pool.enqueue(Work.of(gate.task()));
        }
        eventually().until(() -> pool.stats().bounded().workers() == n);
        gate.open();
        eventually().until(() -> pool.stats().bounded().idle() == n);
    }

    /** Awaitility with a fast poll, for conditions that should come true within {@code limit}. */
    static ConditionFactory waitAtMost(Duration limit) {
        return Awaitility.await().atMost(limit).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
    }

    /** Awaitility for conditions that should come true soon (10 s on a loaded machine). */
    static ConditionFactory eventually() {
        return waitAtMost(Duration.ofSeconds(10));
    }

    /** Awaitility for conditions that must hold for all of {@code period}. */
    static ConditionFactory throughout(Duration period) {
        return Awaitility.await().during(period).atMost(period.plusSeconds(5)).pollInterval(Duration.ofMillis(5));
    }
}
