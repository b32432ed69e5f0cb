package io.iowq.actuate.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.actuate.IoWqEndpoint;
import io.iowq.actuate.IoWqEndpointRequestAdvisor;
import io.iowq.actuate.IoWqHealthIndicator;
import io.iowq.actuate.IoWqWorkTimers;
import io.iowq.actuate.LongRunningWorkMonitor;
import io.iowq.autoconfigure.InvalidIoWqPropertyException;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The wiring of {@code io.iowq.actuate}: what exists with Actuator and Micrometer, what is left out
 * without them (the starter works without Actuator), and how each part is switched.
 */
class IoWqActuateAutoConfigurationTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            // as SpringApplication does: lenient enums, so that access=none binds as in an application
            .withInitializer(context -> context.getEnvironment()
                    .setConversionService(new ApplicationConversionService()))
            .withPropertyValues("iowq.shutdown.await-termination=1s")
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class,
                    IoWqEndpointAutoConfiguration.class, IoWqHealthContributorAutoConfiguration.class,
                    IoWqMetricsAutoConfiguration.class, IoWqLongRunningWorkAutoConfiguration.class,
                    EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class, MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class));

    @Test
    void theEndpointExistsWhenExposed() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=iowq").run(context -> {
            assertThat(context).hasSingleBean(IoWqEndpoint.class).hasSingleBean(IoWqEndpointRequestAdvisor.class);
        });
    }

    @Test
    void theEndpointDoesNotExistWhenNotExposed() {
        runner.run(context -> assertThat(context).hasSingleBean(IoWqExecutor.class)
                .doesNotHaveBean(IoWqEndpoint.class));
    }

    @Test
    void theEndpointDoesNotExistWithAccessNone() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=iowq",
                "management.endpoint.iowq.access=none").run(context -> assertThat(context)
                .doesNotHaveBean(IoWqEndpoint.class));
    }

    @Test
    void theHealthContributorIsOnByDefaultAndCanBeSwitchedOff() {
        runner.run(context -> assertThat(context).hasSingleBean(IoWqHealthIndicator.class)
                .hasBean("iowqHealthIndicator"));
        runner.withPropertyValues("management.health.iowq.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(IoWqHealthIndicator.class));
    }

    @Test
    void theAutoConfiguredExecutorGetsEveryMeterWithItsBeanNameIncludingThePerItemTimers() {
        runner.run(context -> {
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(context.getBean(IoWqWorkTimers.class).isAttachedTo(executor)).isTrue();

            for (int i = 0; i < 16; i++) { // the timers hold one item in 16 (by id): the 16th of a new pool
                executor.submit(() -> "timed").get();
            }

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(registry.get("iowq.work.duration")
                    .tags("name", "applicationTaskExecutor", "class", "bounded").timer().count()).isEqualTo(1));
            assertThat(registry.get("iowq.workers").tags("name", "applicationTaskExecutor", "class", "bounded",
                    "state", "idle").gauge()).isNotNull();
            assertThat(registry.get("executor.pool.size").tags("name", "applicationTaskExecutor").gauge())
                    .isNotNull();
        });
    }

    @Test
    void anExecutorTheApplicationBuildsGetsTheStatsMetersButNotTheTimersItsPoolWasNotBuiltWith() {
        runner.withBean("applicationTaskExecutor", IoWqExecutor.class,
                        () -> new IoWqExecutor(IoWqConfig.builder().build()))
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("iowq.workers.max").tags("name", "applicationTaskExecutor", "class",
                            "bounded").gauge()).isNotNull();
                    assertThat(registry.find("iowq.work.duration").meters()).isEmpty();
                });
    }

    @Test
    void withoutActuatorMicrometerOrHealthTheExecutorStillWorksAndNothingOfTheirsIsThere() {
        new WebApplicationContextRunner()
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
                        "org.springframework.boot.health", "io.micrometer.core"))
                .withPropertyValues("management.endpoints.web.exposure.include=iowq",
                        "iowq.shutdown.await-termination=1s")
                .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class,
                        IoWqEndpointAutoConfiguration.class, IoWqHealthContributorAutoConfiguration.class,
                        IoWqMetricsAutoConfiguration.class, IoWqLongRunningWorkAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(IoWqExecutor.class)
                            .doesNotHaveBean("iowqEndpoint")
                            .doesNotHaveBean("iowqEndpointRequestAdvisor")
                            .doesNotHaveBean("iowqHealthIndicator")
                            .doesNotHaveBean("iowqMeterBinder")
                            .doesNotHaveBean("iowqWorkTimers");
                    assertThat(context.getBean(IoWqExecutor.class).submit(() -> "still runs").get())
                            .isEqualTo("still runs");
                });
    }

    @Test
    void longRunningWorkIsOffByDefault() {
        runner.run(context -> assertThat(context).doesNotHaveBean(LongRunningWorkMonitor.class));
    }

    @Test
    void aLongRunningThresholdStartsTheMonitorWhichCountsWorkPastIt() {
        runner.withPropertyValues("iowq.long-running-threshold=20ms").run(context -> {
            LongRunningWorkMonitor monitor = context.getBean(LongRunningWorkMonitor.class);
            assertThat(monitor.isRunning()).isTrue();
            assertThat(monitor.getThreshold()).isEqualTo(Duration.ofMillis(20));
            CountDownLatch release = new CountDownLatch(1);
            try {
                context.getBean(IoWqExecutor.class).submit(() -> {
                    release.await();
                    return null;
                });
                await().atMost(PATIENCE).until(() -> monitor.count("applicationTaskExecutor", WorkClass.BOUND) == 1);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                assertThat(registry.get("iowq.work.long.running")
                        .tags("name", "applicationTaskExecutor", "class", "bounded").functionCounter().count())
                        .isEqualTo(1);
            } finally {
                release.countDown();
            }
        });
    }

    @Test
    void aThresholdOfZeroStopsStartUpNamingTheProperty() {
        runner.withPropertyValues("iowq.long-running-threshold=0s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidIoWqPropertyException.class)
                    .hasMessageContaining("iowq.long-running-threshold");
        });
    }
}
