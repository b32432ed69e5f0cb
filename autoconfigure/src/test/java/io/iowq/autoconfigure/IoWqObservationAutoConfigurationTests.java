package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.actuate.autoconfigure.IoWqMetricsAutoConfiguration;
import io.iowq.spring.DefaultIoWqObservationConvention;
import io.iowq.spring.IoWqExecutor;
import io.iowq.spring.IoWqObservationContext;
import io.iowq.spring.IoWqObservationConvention;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * When the auto-configured executor observes its items: with {@code iowq.observations.enabled=true},
 * or unset with a tracing handler bean; never with {@code false}; not by default without tracing.
 */
class IoWqObservationAutoConfigurationTests {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, IoWqObservationAutoConfiguration.class))
            .withBean(TestObservationRegistry.class, TestObservationRegistry::create);

    private final ApplicationContextRunner tracing = runner
            .withBean(SimpleTracer.class, SimpleTracer::new)
            .withBean(DefaultTracingObservationHandler.class, () -> new DefaultTracingObservationHandler(new SimpleTracer()));

    @Test
    void withoutTracingItemsAreNotObservedByDefault() {
        runner.run(context -> assertThat(observedAfterOneItem(context)).isFalse());
    }

    @Test
    void thePropertyTurnsThemOnWithoutTracing() {
        runner.withPropertyValues("iowq.observations.enabled=true")
                .run(context -> assertThat(observedAfterOneItem(context)).isTrue());
    }

    @Test
    void withATracingHandlerItemsAreObservedByDefault() {
        tracing.run(context -> assertThat(observedAfterOneItem(context)).isTrue());
    }

    @Test
    void thePropertyTurnsThemOffWithTracing() {
        tracing.withPropertyValues("iowq.observations.enabled=false")
                .run(context -> assertThat(observedAfterOneItem(context)).isFalse());
    }

    @Test
    void aConventionBeanReplacesTheDefault() {
        runner.withPropertyValues("iowq.observations.enabled=true")
                .withBean(IoWqObservationConvention.class, () -> new DefaultIoWqObservationConvention() {
                    @Override
                    public String getContextualName(IoWqObservationContext context) {
                        return "ledger work";
                    }
                })
                .run(context -> {
                    submitOne(context);
                    TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
                    await().atMost(PATIENCE).untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
                            .hasObservationWithNameEqualTo("iowq.work").that()
                            .hasContextualNameEqualTo("ledger work")
                            .hasBeenStopped());
                });
    }

    @Test
    void bootsObservationSwitchTurnsItOffToo() {
        AtomicInteger started = new AtomicInteger();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, IoWqObservationAutoConfiguration.class,
                        ObservationAutoConfiguration.class))
                .withBean(ObservationHandler.class, () -> new ObservationHandler<>() {
                    @Override
                    public void onStart(Observation.Context context) {
                        started.incrementAndGet();
                    }

                    @Override
                    public boolean supportsContext(Observation.Context context) {
                        return context instanceof IoWqObservationContext;
                    }
                })
                .withPropertyValues("iowq.observations.enabled=true",
                        "management.observations.enable.iowq.work=false")
                .run(context -> {
                    submitOne(context);
                    assertThat(started).hasValue(0);
                });
    }

    /**
     * Micrometer's meter handler would make a timer {@code iowq.work} (and {@code iowq.work.active}
     * and event counters) of the observation, beside the pool's counter {@code iowq.work}: the
     * starter's meter filter keeps them out, and the pool's meters in.
     */
    @Test
    void theObservationsMetersAreKeptOutAndThePoolsCounterIn() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, IoWqObservationAutoConfiguration.class,
                        ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class, IoWqMetricsAutoConfiguration.class))
                .withPropertyValues("iowq.observations.enabled=true")
                .run(context -> {
                    assertThat(context.getBean(ObservationRegistry.class).isNoop()).isFalse();
                    submitOne(context);
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    await().atMost(PATIENCE).until(() -> meters.find("iowq.work").tag("outcome", "completed")
                            .functionCounter().count() == 1);
                    assertThat(meters.find("iowq.work").meters()).allMatch(m -> m instanceof FunctionCounter);
                    assertThat(meters.getMeters()).map(Meter::getId)
                            .noneMatch(id -> id.getName().startsWith("iowq.work") && id.getTag("method") != null);
                });
    }

    private static void submitOne(AssertableApplicationContext context) throws Exception {
        IoWqExecutor executor = context.getBean(IoWqExecutor.class);
        assertThat(executor.submit(() -> 42).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
    }

    private static boolean observedAfterOneItem(AssertableApplicationContext context) throws Exception {
        assertThat(context).hasNotFailed();
        submitOne(context);
        TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
        return registry.getCurrentObservation() == null && !registryIsEmpty(registry);
    }

    private static boolean registryIsEmpty(TestObservationRegistry registry) {
        try {
            TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }
}
