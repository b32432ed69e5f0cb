package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqConfig;
import io.iowq.core.IoWqListener;
import io.iowq.core.ThreadLimit;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters of {@link IoWqMeterBinder} in a {@link SimpleMeterRegistry}: the documented names and
 * tags, and values that move with the work. Work waits on {@link Parked} latches, so every value is
 * awaited, never guessed.
 */
class IoWqMeterBinderTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String NAME = "reportExecutor";

    private final IoWqWorkTimers timers = new IoWqWorkTimers();
    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder()
            .recordTimes(true) // as the starter builds it: the timers need times
            .maxWorkers(WorkClass.BOUND, 4)
            .concurrency(WorkClass.BOUND, 2)
            .maxWorkers(WorkClass.UNBOUND, 3)
            .concurrency(WorkClass.UNBOUND, 1)
            .threadLimit(ThreadLimit.of(1_000))
            .listener(timers)
            .build());
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ParkingLot lot = new ParkingLot();

    @AfterEach
    void shutDown() throws InterruptedException {
        lot.releaseAll();
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void everyDocumentedMeterIsThereWithItsTags() {
        new IoWqMeterBinder(NAME, executor, timers, null).bindTo(registry);

        for (String c : List.of("bounded", "unbounded")) {
            for (String state : List.of("running", "idle", "blocked")) {
                assertThat(registry.get("iowq.workers").tags("name", NAME, "class", c, "state", state).gauge())
                        .isNotNull();
            }
            assertThat(registry.get("iowq.workers.max").tags("name", NAME, "class", c).gauge()).isNotNull();
            assertThat(registry.get("iowq.queue.pending").tags("name", NAME, "class", c).gauge()).isNotNull();
            assertThat(registry.get("iowq.keys.active").tags("name", NAME, "class", c).gauge()).isNotNull();
            assertThat(registry.get("iowq.work.wait").tags("name", NAME, "class", c).timer()).isNotNull();
            assertThat(registry.get("iowq.work.duration").tags("name", NAME, "class", c).timer()).isNotNull();
        }
        for (String outcome : List.of("completed", "failed", "cancelled", "rejected")) {
            assertThat(registry.get("iowq.work").tags("name", NAME, "outcome", outcome).functionCounter())
                    .isNotNull();
        }
        for (String executorMeter : List.of("executor.active", "executor.queued", "executor.queue.remaining",
                "executor.pool.size", "executor.pool.core", "executor.pool.max")) {
            assertThat(registry.get(executorMeter).tags("name", NAME).gauge()).isNotNull();
        }
        assertThat(registry.get("executor.completed").tags("name", NAME).functionCounter()).isNotNull();
        assertThat(registry.find("iowq.work.long.running").meters()).isEmpty();
    }

    @Test
    void everyMeterCarriesTheExecutorNameAndClassOnlyWhereItApplies() {
        new IoWqMeterBinder(NAME, executor, timers, null).bindTo(registry);

        for (Meter m : registry.getMeters()) {
            Map<String, String> tags = tags(m);
            assertThat(tags).containsEntry("name", NAME);
            boolean perClass = m.getId().getName().startsWith("iowq.") && !m.getId().getName().equals("iowq.work");
            assertThat(tags.containsKey("class")).as(m.getId().toString()).isEqualTo(perClass);
        }
    }

    @Test
    void limitsShowTheConfiguredAndResizedMaxima() {
        new IoWqMeterBinder(NAME, executor).bindTo(registry);

        assertThat(gauge("iowq.workers.max", "bounded")).isEqualTo(4);
        assertThat(gauge("iowq.workers.max", "unbounded")).isEqualTo(3);
        assertThat(registry.get("executor.pool.max").tags("name", NAME).gauge().value()).isEqualTo(7);
        assertThat(registry.get("executor.pool.core").tags("name", NAME).gauge().value()).isEqualTo(1);

        executor.setMaxWorkers(WorkClass.BOUND, 6);

        assertThat(gauge("iowq.workers.max", "bounded")).isEqualTo(6);
    }

    @Test
    void workersQueueAndKeysMoveWithTheWork() {
        new IoWqMeterBinder(NAME, executor, timers, null).bindTo(registry);
        Parked first = lot.park();
        Parked second = lot.park();
        executor.enqueue(executor.work(first::park).hashed("ledger"));
        executor.enqueue(executor.work(second::park).hashed("ledger"));
        await().atMost(PATIENCE).until(first::started);

        // The running item waits on a latch: the pool sees its worker blocked (or still running).
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(gauge("iowq.queue.pending", "bounded")).isEqualTo(1);
            assertThat(gauge("iowq.keys.active", "bounded")).isEqualTo(1);
            assertThat(workers("bounded", "running") + workers("bounded", "blocked")).isEqualTo(1);
            assertThat(registry.get("executor.queued").tags("name", NAME).gauge().value()).isEqualTo(1);
            assertThat(registry.get("executor.active").tags("name", NAME).gauge().value()).isEqualTo(1);
        });

        first.release();
        second.release();

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(gauge("iowq.queue.pending", "bounded")).isZero();
            assertThat(gauge("iowq.keys.active", "bounded")).isZero();
            assertThat(workers("bounded", "running") + workers("bounded", "blocked")).isZero();
            assertThat(workers("bounded", "idle")).isPositive();
            assertThat(registry.get("executor.pool.size").tags("name", NAME).gauge().value()).isPositive();
        });
    }

    @Test
    void outcomesAreCountedAndItemsThatRanAreTimedPerClass() throws Exception {
        new IoWqMeterBinder(NAME, executor, timers, null).bindTo(registry);

        // Each item below but the running one is put in the pool's time sample (ids 16, 32, ...).
        long fillers = fillUntilTheNextIdIsTimed();
        executor.enqueue(executor.work(() -> "done")).get();
        fillers += fillUntilTheNextIdIsTimed();
        Work<Object> failing = executor.enqueue(executor.work(() -> {
            throw new IllegalStateException("boom");
        }));
        await().atMost(PATIENCE).until(failing::isDone);
        fillers += fillUntilTheNextIdIsTimed();
        executor.enqueue(executor.work(() -> "far").unbound()).get();
        Parked running = lot.park();
        Parked queued = lot.park();
        executor.enqueue(executor.work(running::park).hashed("k"));
        await().atMost(PATIENCE).until(running::started);
        fillers += fillUntilTheNextIdIsTimed();
        Work<Object> cancelledBeforeStart = executor.enqueue(executor.work(queued::park).hashed("k"));
        assertThat(cancelledBeforeStart.id() % 16).isZero();
        cancelledBeforeStart.cancel(true);
        running.release();

        long completed = 3 + fillers;
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(counter("completed")).isEqualTo(completed);
            assertThat(counter("failed")).isEqualTo(1);
            assertThat(counter("cancelled")).isEqualTo(1);
            assertThat(registry.get("executor.completed").tags("name", NAME).functionCounter().count())
                    .isEqualTo(completed + 1);
            // bound: done and failing; the cancelled item never started and is not timed
            assertThat(registry.get("iowq.work.duration").tags("name", NAME, "class", "bounded").timer().count())
                    .isEqualTo(2);
            assertThat(registry.get("iowq.work.wait").tags("name", NAME, "class", "bounded").timer().count())
                    .isEqualTo(2);
            assertThat(registry.get("iowq.work.duration").tags("name", NAME, "class", "unbounded").timer().count())
                    .isEqualTo(1);
        });
    }

    @Test
    void refusedWorkIsCountedRejected() {
        new IoWqMeterBinder(NAME, executor).bindTo(registry);
        executor.shutdown();

        assertThatThrownBy(() -> executor.submit(() -> { })).isInstanceOf(RejectedExecutionException.class);

        assertThat(counter("rejected")).isEqualTo(1);
    }

    @Test
    void timersRecordOnlyTheSampledItemsWhileCountersCountEveryItem() throws Exception {
        // The pool tells the times of one item in 16 (by id) and -1 for the others.
        new IoWqMeterBinder(NAME, executor, timers, null).bindTo(registry);
        long inSample = 0;
        for (int i = 0; i < 200; i++) {
            Work<Object> w = executor.enqueue(executor.work(() -> "done"));
            w.get();
            inSample += w.id() % 16 == 0 ? 1 : 0;
        }
        long expected = inSample;
        assertThat(expected).isEqualTo(12);

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(counter("completed")).isEqualTo(200);
            assertThat(registry.get("iowq.work.wait").tags("name", NAME, "class", "bounded").timer().count())
                    .isEqualTo(expected);
            assertThat(registry.get("iowq.work.duration").tags("name", NAME, "class", "bounded").timer().count())
                    .isEqualTo(expected);
        });
    }

    @Test
    void aTimeBelowZeroIsNotRecordedAndTheTimersSayTheyHoldASample() {
        // Micrometer's own timers drop a negative amount; a registry's timer need not, so the listener
        // must not hand one over. This registry's timers count what they are handed.
        LongAdder negative = new LongAdder();
        MeterRegistry counting = new SimpleMeterRegistry() {
            @Override
            protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
                Timer timer = super.newTimer(id, config, pauseDetector);
                return (Timer) Proxy.newProxyInstance(Timer.class.getClassLoader(), new Class<?>[] {Timer.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("record") && args.length == 2 && args[0] instanceof Long n
                                    && n < 0) {
                                negative.increment();
                            }
                            try {
                                return method.invoke(timer, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        timers.bindTo(counting, Tags.of("name", NAME));
        Work<Object> item = Work.of(() -> { });

        timers.workEnded(item, -1, -1);
        timers.workEnded(item, -1, 2_000);
        timers.workEnded(item, 1_000, -1);

        Timer wait = counting.get("iowq.work.wait").tags("name", NAME, "class", "bounded").timer();
        Timer duration = counting.get("iowq.work.duration").tags("name", NAME, "class", "bounded").timer();
        assertThat(negative.sum()).isZero();
        assertThat(wait.count()).isEqualTo(1);
        assertThat(wait.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(1_000);
        assertThat(duration.count()).isEqualTo(1);
        assertThat(duration.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2_000);
        assertThat(wait.getId().getDescription()).contains("a sample of the items, 1 in 16");
        assertThat(duration.getId().getDescription()).contains("a sample of the items, 1 in 16");
    }

    @Test
    void withoutTheListenerThereAreNoTimers() {
        new IoWqMeterBinder(NAME, executor).bindTo(registry);

        assertThat(registry.find("iowq.work.wait").meters()).isEmpty();
        assertThat(registry.find("iowq.work.duration").meters()).isEmpty();
    }

    @Test
    void bindingTwiceToOneRegistryTimesEachItemOnce() throws Exception {
        IoWqMeterBinder binder = new IoWqMeterBinder(NAME, executor, timers, null);
        binder.bindTo(registry);
        binder.bindTo(registry);

        fillUntilTheNextIdIsTimed();
        executor.enqueue(executor.work(() -> "once")).get();

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(
                registry.get("iowq.work.duration").tags("name", NAME, "class", "bounded").timer().count())
                .isEqualTo(1));
    }

    /** Runs items until the next one submitted is in the pool's time sample (its id a multiple of 16); returns how many ran. */
    private long fillUntilTheNextIdIsTimed() throws Exception {
        long n = 0;
        while ((executor.stats().submitted() + 1) % 16 != 0) {
            executor.enqueue(executor.work(() -> "filler")).get();
            n++;
        }
        return n;
    }

    private double gauge(String name, String workClass) {
        return registry.get(name).tags("name", NAME, "class", workClass).gauge().value();
    }

    private double workers(String workClass, String state) {
        return registry.get("iowq.workers").tags("name", NAME, "class", workClass, "state", state).gauge().value();
    }

    private double counter(String outcome) {
        return registry.get("iowq.work").tags("name", NAME, "outcome", outcome).functionCounter().count();
    }

    private static Map<String, String> tags(Meter m) {
        Map<String, String> tags = new java.util.HashMap<>();
        for (Tag t : m.getId().getTags()) {
            tags.put(t.getKey(), t.getValue());
        }
        return tags;
    }
}
