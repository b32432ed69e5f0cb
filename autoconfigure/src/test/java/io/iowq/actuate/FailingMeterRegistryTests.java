package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.actuate.autoconfigure.IoWqMetricsAutoConfiguration;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.autoconfigure.IoWqExecutorCustomizer;
import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import io.iowq.spring.Hashed;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * A Micrometer registry that fails, in a Spring Boot application with iowq's auto-configuration, which
 * binds iowq's meters to it and builds the pool with the listener that records {@code iowq.work.wait}
 * and {@code iowq.work.duration} into it ({@link IoWqWorkTimers}).
 * <ul>
 * <li>Recording fails (every timer of the registry throws, a runtime exception or an error such as a
 * {@code NoSuchMethodError} from a registry built against another Micrometer): the exception is thrown
 * on the worker that ends each item, out of the pool's listener. Every item still completes exactly
 * once, hashed work in call order, its future and callbacks too; the workers live on; the engine counts
 * each failure ({@code hookFailures}); the pool keeps serving; and listeners after the timers still
 * hear every end.</li>
 * <li>Registering fails (the registry refuses iowq's meters): start-up fails with the registry's
 * exception, as it does for any meter binder in Spring Boot, and the pool built before it is shut
 * down with the failed context, leaving no thread behind.</li>
 * </ul>
 * If the engine let the exception out, the worker's thread would end and the item's callbacks (which
 * complete the {@code @Async} futures) would never run: both are checked.
 */
class FailingMeterRegistryTests {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String THREADS = "failing-registry-";
    private static final int ITEMS = 1_000;
    private static final int KEYS = 50;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withPropertyValues("iowq.thread-name-prefix=" + THREADS, "iowq.shutdown.await-termination=1s",
                    // no worker retires during a test: each one that ran an item must still be alive at its end
                    "iowq.idle-timeout=10m")
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, IoWqMetricsAutoConfiguration.class,
                    MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, LaterListenerAutoConfiguration.class))
            .withUserConfiguration(Application.class);

    @Test
    void whenEveryRecordingThrowsEachItemStillCompletesOnceInOrderAndTheFailuresAreCounted() {
        survivesEveryRecordingFailingWith(IllegalStateException::new);
    }

    @Test
    void anErrorFromTheRegistryAsALinkageErrorIsSurvivedAndCountedToo() {
        survivesEveryRecordingFailingWith(NoSuchMethodError::new);
    }

    private void survivesEveryRecordingFailingWith(Function<String, Throwable> failure) {
        runner.withBean(FailingMeterRegistry.class, () -> FailingMeterRegistry.recording(failure))
                .run(context -> {
                    long timed = runEveryKindOfItemAndCheckEachCompletedOnce(context);
                    // the listener after the timers heard each end all the same, right after the registry threw
                    assertThat(context.getBean(LaterListener.class).endedAfterAFailure()).isEqualTo(timed);
                    checkThePoolKeepsServing(context, timed);
                });
    }

    /**
     * Runs {@value #ITEMS} items of each kind — plain, hashed and unbound on the executor, and
     * {@code @Async @Hashed} calls — and checks that each item, its future and its callbacks completed
     * once, each key's items in call order, that the registry threw at the end of each timed item (the
     * pool times one in 16, by id) and the engine counted each failure, and that every worker that ran
     * an item is alive; returns how many items were timed.
     */
    private static long runEveryKindOfItemAndCheckEachCompletedOnce(AssertableApplicationContext context) {
        assertThat(context).hasNotFailed();
        IoWqExecutor executor = context.getBean(IoWqExecutor.class);
        FailingMeterRegistry registry = context.getBean(FailingMeterRegistry.class);
        Postings postings = context.getBean(Postings.class);
        // the timers are bound to the failing registry: what they record goes there and nowhere else
        assertThat(registry.find("iowq.work.duration").timers()).hasSize(2)
                .allMatch(FailingMeterRegistry.FailingTimer.class::isInstance);

        long idsBefore = executor.stats().submitted();
        Ran ran = new Ran();
        AtomicLong callbacks = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            int item = i;
            String key = "k" + i % KEYS;
            futures.add(executor.submit(() -> ran.plain(item)));
            for (Work<?> w : List.of(executor.work(() -> ran.hashed(key, item)).hashed(key),
                    executor.work(() -> ran.unbound(item)).unbound())) {
                w.whenDone(callbacks::incrementAndGet);
                futures.add(executor.enqueue(w));
            }
            futures.add(postings.post(key, item, ran)); // completed by a callback of its item
        }
        for (Future<?> f : futures) {
            assertThat(f).succeedsWithin(PATIENCE);
        }
        await().atMost(PATIENCE).until(() -> callbacks.get() == 2L * ITEMS);
        ran.assertEachOnceAndInOrder();

        long items = 4L * ITEMS;
        long timed = timedIds(idsBefore, idsBefore + items);
        assertThat(timed).isPositive();
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(registry.failures()).isEqualTo(timed);
            assertThat(executor.ioWq().hookFailures()).isEqualTo(timed);
        });
        assertThat(executor.stats().completed()).isEqualTo(items);
        assertThat(executor.stats().failed()).isZero();
        assertThat(ran.threads()).as("workers that ran items, all alive").allMatch(Thread::isAlive);
        return timed;
    }

    /** The ids in {@code (from, to]} that the pool times, one in 16: the items whose times the timers record. */
    private static long timedIds(long from, long to) {
        return to / 16 - from / 16;
    }

    /** Runs {@value #ITEMS} more items: each completes, and the engine counts one more failure for each timed one. */
    private static void checkThePoolKeepsServing(AssertableApplicationContext context, long failedBefore) {
        IoWqExecutor executor = context.getBean(IoWqExecutor.class);
        long idsBefore = executor.stats().submitted();
        List<Future<Integer>> more = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            int item = i;
            more.add(executor.submit(() -> item));
        }
        for (int i = 0; i < ITEMS; i++) {
            assertThat(more.get(i)).succeedsWithin(PATIENCE).isEqualTo(i);
        }
        await().atMost(PATIENCE).until(() -> executor.ioWq().hookFailures() == failedBefore + timedIds(idsBefore, idsBefore + ITEMS));
    }

    @Test
    void whenTheRegistryRefusesIowqsMetersStartUpFailsWithItsExceptionAndLeavesNoPoolThread() {
        List<IoWqExecutor> built = new CopyOnWriteArrayList<>();
        List<Thread> poolThreads = new CopyOnWriteArrayList<>();
        runner.withBean(FailingMeterRegistry.class, FailingMeterRegistry::refusingIowqMeters)
                .withBean(IoWqExecutorCustomizer.class, () -> executor -> {
                    built.add(executor);
                    poolThreads.addAll(executor.ioWq().threads());
                })
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageStartingWith("registry refuses iowq.");
                });

        assertThat(built).as("the pool built before the failure").hasSize(1);
        assertThat(poolThreads).as("its threads").isNotEmpty();
        assertThat(built.get(0).isShutdown()).isTrue();
        await().atMost(PATIENCE).until(() -> built.get(0).isTerminated()
                && poolThreads.stream().noneMatch(Thread::isAlive)
                && Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith(THREADS)));
    }

    /**
     * A registry that fails: with {@code refusing}, registering any {@code iowq.*} meter throws;
     * without, every timer it makes throws when it records, and counts that.
     */
    static final class FailingMeterRegistry extends SimpleMeterRegistry {

        /** Whether a timer of this registry has just thrown on this thread (for {@link LaterListener}). */
        static final ThreadLocal<Boolean> JUST_THREW = ThreadLocal.withInitial(() -> false);

        private final boolean refusing;
        private final Function<String, Throwable> failure;
        private final AtomicLong failures = new AtomicLong();

        private FailingMeterRegistry(boolean refusing, Function<String, Throwable> failure) {
            this.refusing = refusing;
            this.failure = failure;
        }

        /** A registry whose timers throw {@code failure} (a runtime exception or an error) whenever they record. */
        static FailingMeterRegistry recording(Function<String, Throwable> failure) {
            return new FailingMeterRegistry(false, failure);
        }

        /** A registry that refuses to register any {@code iowq.*} meter. */
        static FailingMeterRegistry refusingIowqMeters() {
            return new FailingMeterRegistry(true, IllegalStateException::new);
        }

        long failures() {
            return failures.get();
        }

        private void refuse(Meter.Id id) {
            if (refusing && id.getName().startsWith("iowq.")) {
                throw new IllegalStateException("registry refuses " + id.getName());
            }
        }

        @Override
        protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
            refuse(id);
            return new FailingTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), this);
        }

        @Override
        protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
            refuse(id);
            return super.newGauge(id, obj, valueFunction);
        }

        @Override
        protected Counter newCounter(Meter.Id id) {
            refuse(id);
            return super.newCounter(id);
        }

        @Override
        protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
            refuse(id);
            return super.newFunctionCounter(id, obj, countFunction);
        }

        /** A timer that throws its registry's failure whenever it records. */
        static final class FailingTimer extends CumulativeTimer {

            private final FailingMeterRegistry registry;

            FailingTimer(Meter.Id id, Clock clock, DistributionStatisticConfig config, PauseDetector pauseDetector,
                         TimeUnit baseTimeUnit, FailingMeterRegistry registry) {
                super(id, clock, config, pauseDetector, baseTimeUnit, false);
                this.registry = registry;
            }

            @Override
            protected void recordNonNegative(long amount, TimeUnit unit) {
                registry.failures.incrementAndGet();
                JUST_THREW.set(true);
                Throwable t = registry.failure.apply("meter registry down: " + getId().getName());
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
        }
    }

    /** What the items ran: how often each ran, each key's items in the order they ran, and on which threads. */
    static final class Ran {

        private final AtomicIntegerArray plain = new AtomicIntegerArray(ITEMS);
        private final AtomicIntegerArray unbound = new AtomicIntegerArray(ITEMS);
        private final Map<String, List<Integer>> hashed = new ConcurrentHashMap<>();
        private final Map<String, List<Integer>> posted = new ConcurrentHashMap<>();
        private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        int plain(int item) {
            threads.add(Thread.currentThread());
            return plain.incrementAndGet(item);
        }

        int unbound(int item) {
            threads.add(Thread.currentThread());
            return unbound.incrementAndGet(item);
        }

        int hashed(String key, int item) {
            return inOrder(hashed, key, item);
        }

        int posted(String key, int item) {
            return inOrder(posted, key, item);
        }

        private int inOrder(Map<String, List<Integer>> byKey, String key, int item) {
            threads.add(Thread.currentThread());
            byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(item);
            return item;
        }

        Set<Thread> threads() {
            return threads;
        }

        void assertEachOnceAndInOrder() {
            for (int i = 0; i < ITEMS; i++) {
                assertThat(plain.get(i)).as("runs of plain item %d", i).isEqualTo(1);
                assertThat(unbound.get(i)).as("runs of unbound item %d", i).isEqualTo(1);
            }
            for (Map<String, List<Integer>> byKey : List.of(hashed, posted)) {
                assertThat(byKey).hasSize(KEYS);
                byKey.forEach((key, items) -> {
                    int k = Integer.parseInt(key.substring(1));
                    assertThat(items).as("items of key %s, in the order they ran", key)
                            .containsExactlyElementsOf(IntStream.range(0, ITEMS)
                                    .filter(i -> i % KEYS == k).boxed().toList());
                });
            }
        }
    }

    /** {@code @Async @Hashed} work, as an application has it. */
    static class Postings {

        @Async
        @Hashed("#key")
        public CompletableFuture<Integer> post(String key, int item, Ran ran) {
            return CompletableFuture.completedFuture(ran.posted(key, item));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class Application {

        @Bean
        Postings postings() {
            return new Postings();
        }
    }

    /** An application's own listener, told of each end after iowq's timers: it counts the ends it hears just after the registry threw. */
    static final class LaterListener implements IoWqListener {

        private final AtomicLong endedAfterAFailure = new AtomicLong();

        @Override
        public void workEnded(Work<?> work, long waitNanos, long runNanos) {
            if (FailingMeterRegistry.JUST_THREW.get()) {
                FailingMeterRegistry.JUST_THREW.set(false);
                endedAfterAFailure.incrementAndGet();
            }
        }

        long endedAfterAFailure() {
            return endedAfterAFailure.get();
        }
    }

    /** Defines {@link LaterListener} after iowq's timers, so that the pool's listener calls it after them. */
    @AutoConfiguration(after = IoWqMetricsAutoConfiguration.class)
    static class LaterListenerAutoConfiguration {

        @Bean
        LaterListener laterListener() {
            return new LaterListener();
        }
    }
}
