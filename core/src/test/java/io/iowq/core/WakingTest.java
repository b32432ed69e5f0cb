package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static io.iowq.core.Pools.throughout;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Section 2.2: a submission wakes at most one worker, and only below the concurrency target or when CONCURRENT. */
class WakingTest {

    @RegisterExtension
    final Pools pools = new Pools();

    private final AtomicBoolean stop = new AtomicBoolean();

    /** Runs a CPU-bound item that spins (counting as running) until {@link #stop} is set, once it runs. */
    private Work<String> spinning(IoWq pool) {
        Work<String> busy = pool.enqueue(Work.of(() -> {
            while (!stop.get() && !Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            return Thread.currentThread().getName();
        }));
        eventually().until(() -> busy.state() == Work.State.RUNNING);
        return busy;
    }

    private static Work<String> threadName() {
        return Work.of(() -> Thread.currentThread().getName());
    }

    @Test
    void aSubmissionWakesExactlyOneIdleWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(3, 3));
        Pools.idleWorkers(pool, 3);
        Gate gate = new Gate();

        pool.enqueue(Work.of(gate.task()));

        IoWqStats.ClassStats woken = pool.stats().bounded();
        assertThat(woken.running()).isEqualTo(1);
        assertThat(woken.idle()).isEqualTo(2);
        assertThat(woken.workers()).as("a free worker is woken, none created").isEqualTo(3);

        pool.enqueue(Work.of(gate.task()).concurrent());

        IoWqStats.ClassStats second = pool.stats().bounded();
        assertThat(second.running()).isEqualTo(2);
        assertThat(second.idle()).isEqualTo(1);
        gate.open();
    }

    @Test
    void aSecondItemWaitsWhileRunningIsAtTheConcurrencyTarget() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 1));
        Work<String> busy = spinning(pool);

        Work<String> second = pool.enqueue(threadName());
        Work<String> third = pool.enqueue(threadName());

        throughout(Duration.ofMillis(200)).until(() -> !second.isDone()
                && pool.stats().bounded().workers() == 1 && pool.stats().bounded().pending() == 2);
        stop.set(true);
        String busyThread = busy.get(10, TimeUnit.SECONDS);
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(busyThread);
        assertThat(third.get(10, TimeUnit.SECONDS)).isEqualTo(busyThread);
        assertThat(pool.stats().bounded().workers()).isEqualTo(1);
    }

    @Test
    void aConcurrentItemGetsAWorkerEvenAtTheConcurrencyTarget() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 1));
        Work<String> busy = spinning(pool);

        Work<String> concurrent = pool.enqueue(threadName().concurrent());

        String ranOn = concurrent.get(10, TimeUnit.SECONDS);
        assertThat(busy.isDone()).as("it ran while the first still spins").isFalse();
        assertThat(pool.stats().bounded().workers()).isEqualTo(2);
        stop.set(true);
        assertThat(ranOn).isNotEqualTo(busy.get(10, TimeUnit.SECONDS));
    }

    @Test
    void belowTheConcurrencyTargetASecondItemGetsItsOwnWorker() throws Exception {
        IoWq pool = pools.start(Pools.bound(4, 2));
        Work<String> busy = spinning(pool);

        String ranOn = pool.enqueue(threadName()).get(10, TimeUnit.SECONDS);

        assertThat(busy.isDone()).isFalse();
        stop.set(true);
        assertThat(ranOn).isNotEqualTo(busy.get(10, TimeUnit.SECONDS));
        assertThat(pool.stats().bounded().workers()).isEqualTo(2);
    }
}
