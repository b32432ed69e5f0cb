package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.core.ContextHook;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * What a captured context holds: the submitter's MDC always; its current observation only when the
 * hook carries observations, so that a pending item without tracing does not keep the submitter's
 * observation (and all it refers to) alive.
 */
class ContextPropagationHookTests {

    private final ObservationRegistry observations = ObservationRegistry.create();

    ContextPropagationHookTests() {
        observations.observationConfig().observationHandler(context -> true);
    }

    @Test
    void withoutObservationsACapturedContextDoesNotKeepTheSubmittersObservationAlive() throws Exception {
        ContextHook.Snapshot snapshot = captureInsideAnObservation(hook(false), "request-1");
        WeakReference<Observation> observation = lastObservation;
        lastObservation = null;

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            System.gc();
            return observation.get() == null;
        });
        assertThat(installedElsewhere(snapshot)).isEqualTo("request-1/none");
    }

    @Test
    void withObservationsTheSubmittersObservationIsCurrentInTheWork() throws Exception {
        ContextHook.Snapshot snapshot = captureInsideAnObservation(hook(true), "request-2");

        assertThat(installedElsewhere(snapshot)).isEqualTo("request-2/request");
    }

    /**
     * Micrometer Tracing is on this module's test class path (micrometer-tracing-test), so the global
     * hook carries the observation; without it, it is {@code hook(false)}, tested above.
     */
    @Test
    void forTheGlobalRegistryObservationsAreCarriedWithMicrometerTracing() throws Exception {
        assertThat(org.springframework.util.ClassUtils.isPresent("io.micrometer.tracing.handler.TracingObservationHandler",
                getClass().getClassLoader())).isTrue();

        ContextHook.Snapshot snapshot = captureInsideAnObservation(ContextPropagationHook.forGlobalRegistry(), "r-3");

        assertThat(installedElsewhere(snapshot)).isEqualTo("r-3/request");
    }

    @Test
    void aSubmitterWithNothingToCarryGetsTheSharedEmptySnapshot() {
        ContextPropagationHook hook = hook(false);
        MDC.clear();

        assertThat(hook.capture()).isSameAs(hook.capture());

        MDC.put("request", "r-4");
        try {
            assertThat(hook.capture()).isNotSameAs(hook.capture());
        } finally {
            MDC.clear();
        }
    }

    @Test
    void theEmptySnapshotClearsTheWorkersOwnContextForTheItemAndRestoresItAfter() {
        ContextPropagationHook hook = hook(false);
        MDC.clear();
        ContextHook.Snapshot nothing = hook.capture();
        MDC.put("worker", "own");
        try {
            try (ContextHook.Scope scope = nothing.install()) {
                assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
                MDC.put("item", "left behind");
            }
            assertThat(MDC.getCopyOfContextMap()).containsExactly(java.util.Map.entry("worker", "own"));
        } finally {
            MDC.clear();
        }
    }

    @Test
    void whatAnItemLeavesBehindIsClearedAfterItEvenWithNothingCarried() {
        ContextPropagationHook hook = hook(true);
        MDC.clear();
        ContextHook.Snapshot nothing = hook.capture();

        try (ContextHook.Scope scope = nothing.install()) {
            MDC.put("item", "left behind");
            Observation.start("left open", observations).openScope();
        }

        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertThat(observations.getCurrentObservation()).isNull();
    }

    private WeakReference<Observation> lastObservation;

    private static ContextPropagationHook hook(boolean carryObservation) {
        ContextRegistry registry = new ContextRegistry();
        registry.registerThreadLocalAccessor(new ObservationThreadLocalAccessor());
        registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
        return new ContextPropagationHook(registry, carryObservation);
    }

    /** Captures with {@code hook} in this thread, with MDC {@code request} set, inside a started, then stopped, observation. */
    private ContextHook.Snapshot captureInsideAnObservation(ContextPropagationHook hook, String request) {
        Observation observation = Observation.start("request", observations);
        lastObservation = new WeakReference<>(observation);
        ContextHook.Snapshot snapshot;
        MDC.put("request", request);
        try (Observation.Scope scope = observation.openScope()) {
            snapshot = hook.capture();
        } finally {
            MDC.remove("request");
            observation.stop();
        }
        return snapshot;
    }

    /** What another thread sees with {@code snapshot} installed: the MDC's request and the current observation's name. */
    private String installedElsewhere(ContextHook.Snapshot snapshot) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try (ContextHook.Scope scope = snapshot.install()) {
                Observation current = observations.getCurrentObservation();
                return MDC.get("request") + "/" + (current == null ? "none" : current.getContext().getName());
            }
        }).get(10, TimeUnit.SECONDS);
    }
}
