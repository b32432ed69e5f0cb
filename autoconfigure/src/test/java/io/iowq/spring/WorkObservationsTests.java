package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqConfig;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkObservations} on an executor built by hand, in Micrometer's
 * {@link TestObservationRegistry}, whose validator fails any observation used out of order (an event,
 * a scope or an error after its stop, a stop twice): every submission path is observed once and
 * stopped once, with its outcome.
 */
class WorkObservationsTests {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final Map<Thread, Throwable> uncaught = new ConcurrentHashMap<>();
    private IoWqExecutor executor;

    @AfterEach
    void shutdown() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private IoWqExecutor executor(WorkObservations observations, int workers) {
        executor = new IoWqExecutor(IoWqConfig.builder()
                .maxWorkers(WorkClass.BOUND, workers)
                .concurrency(WorkClass.BOUND, workers)
                .threadFactory(r -> {
                    Thread t = new Thread(r);
                    t.setUncaughtExceptionHandler(uncaught::put);
                    return t;
                })
                .contextHook(observations.contextHook(ContextPropagationHook.forGlobalRegistry()))
                .build());
        executor.setObservations(observations);
        return executor;
    }

    @Test
    void executeIsObservedAndItsFailureStillReachesTheWorkersUncaughtExceptionHandler() {
        IoWqExecutor executor = executor(new WorkObservations(registry, null), 1);

        executor.execute(() -> {
            throw new IllegalStateException("boom");
        });

        await().atMost(PATIENCE).until(() -> !uncaught.isEmpty());
        assertThat(uncaught.values()).singleElement().satisfies(t -> assertThat(t).hasMessage("boom"));
        await().atMost(PATIENCE).untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("iowq.work").that()
                .hasBeenStopped()
                .hasContextualNameEqualTo("iowq work")
                .hasLowCardinalityKeyValue("outcome", "failed")
                .hasLowCardinalityKeyValue("method", "none")
                .hasLowCardinalityKeyValue("hashed", "false")
                .hasError());
        assertThat(executor.stats().failed()).isEqualTo(1);
    }

    @Test
    void aRefusedItemIsStoppedAtOnceAsRejected() {
        IoWqExecutor executor = executor(new WorkObservations(registry, null), 1);
        executor.shutdown();

        assertThatThrownBy(() -> executor.submit(() -> "late")).isInstanceOf(RejectedExecutionException.class);

        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("iowq.work").that()
                .hasBeenStopped()
                .hasLowCardinalityKeyValue("outcome", "rejected")
                .hasError();
    }

    @Test
    void aConventionGivenReplacesTheDefault() throws Exception {
        IoWqObservationConvention tenant = new DefaultIoWqObservationConvention() {
            @Override
            public KeyValues getLowCardinalityKeyValues(IoWqObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("tenant", "acme");
            }

            @Override
            public String getName() {
                return "ledger.work";
            }
        };
        IoWqExecutor executor = executor(new WorkObservations(registry, tenant), 1);

        executor.enqueue(executor.work(() -> 42).hashed("k")).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        await().atMost(PATIENCE).untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("ledger.work").that()
                .hasBeenStopped()
                .hasLowCardinalityKeyValue("tenant", "acme")
                .hasLowCardinalityKeyValue("outcome", "completed")
                .hasHighCardinalityKeyValue("key", "k"));
    }

    /**
     * Thousands of items, a fifth of them cancelled at random moments: pending, just taken, running
     * (and slow to leave). Each is observed once, stopped once after its end, its worker's scope never
     * used after the stop (the registry's validator would fail the call, and the pool would count a
     * hook failure or fail the item), and every outcome agrees with the item's state.
     */
    @Test
    void racingCancelsStopEveryObservationOnceAndNeverUseItsScopeAfterItsStop() {
        AtomicInteger stops = new AtomicInteger();
        AtomicInteger stoppedBeforeEnd = new AtomicInteger();
        registry.observationConfig().observationHandler(new ObservationHandler<IoWqObservationContext>() {
            @Override
            public void onStop(IoWqObservationContext context) {
                stops.incrementAndGet();
                if (!context.getWork().isDone()) {
                    stoppedBeforeEnd.incrementAndGet();
                }
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof IoWqObservationContext;
            }
        });
        IoWqExecutor executor = executor(new WorkObservations(registry, null), 2);
        long seed = new Random().nextLong();
        System.out.println("racingCancels seed: " + seed);
        Random random = new Random(seed);
        int items = 3_000;
        List<Work<Integer>> submitted = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            int spin = random.nextInt(4) == 0 ? 20_000 : 0;
            Work<Integer> w = executor.enqueue(executor.work(() -> {
                LockSupport.parkNanos(spin); // an interrupt ends the park: the item leaves a little later
                return 1;
            }).hashed(i % 7));
            submitted.add(w);
            if (random.nextInt(5) == 0) {
                submitted.get(random.nextInt(submitted.size())).cancel(true);
            }
        }
        await().atMost(PATIENCE).until(() -> submitted.stream().allMatch(Work::isDone));
        await().atMost(PATIENCE).until(() -> stops.get() == items);

        assertThat(stoppedBeforeEnd).hasValue(0);
        assertThat(executor.ioWq().hookFailures()).isZero();
        assertThat(submitted).allSatisfy(w -> assertThat(w.state()).isIn(Work.State.COMPLETED, Work.State.CANCELLED));
        long cancelled = submitted.stream().filter(Work::isCancelled).count();
        assertThat(cancelled).isPositive();
        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsWithNameEqualTo("iowq.work", items);
        TestObservationRegistryAssert.assertThat(registry).hasHandledContextsThatSatisfy(contexts -> {
            assertThat(contexts.stream().filter(c -> "cancelled".equals(c.getLowCardinalityKeyValue("outcome").getValue())))
                    .hasSize((int) cancelled);
        });
    }
}
