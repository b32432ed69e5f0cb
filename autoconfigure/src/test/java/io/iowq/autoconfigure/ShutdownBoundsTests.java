package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.core.Work;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What bounds the drain when the context closes, as docs/configuration.md says: iowq's
 * await-termination, not Spring's timeout-per-shutdown-phase (the executor stops synchronously, and
 * the phase timeout only bounds lifecycles that stop asynchronously).
 */
class ShutdownBoundsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
                    LifecycleAutoConfiguration.class));

    @Test
    void theDrainOutlastsTheShutdownPhaseTimeoutUpToAwaitTermination() {
        runner.withPropertyValues("iowq.shutdown.await-termination=20s", "spring.lifecycle.timeout-per-shutdown-phase=100ms")
                .run(context -> {
                    Work<?> item = context.getBean(IoWqExecutor.class).submit(() -> {
                        Thread.sleep(1200);
                        return null;
                    });
                    long millis = closeMillis(context);
                    assertThat(item.isDone()).isTrue();
                    assertThat(item.isCancelled()).isFalse();
                    assertThat(millis).isBetween(1000L, 15_000L);
                });
    }

    @Test
    void awaitTerminationCutsTheDrainShortAndInterruptsWhatRuns() {
        CountDownLatch never = new CountDownLatch(1);
        runner.withPropertyValues("iowq.shutdown.await-termination=200ms", "spring.lifecycle.timeout-per-shutdown-phase=30s")
                .run(context -> {
                    Work<?> item = context.getBean(IoWqExecutor.class).submit(() -> {
                        never.await();
                        return null;
                    });
                    long millis = closeMillis(context);
                    assertThat(millis).isBetween(150L, 10_000L);
                    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(item::isDone);
                    assertThat(item.failure()).as("interrupted, it ends as its task does").isInstanceOf(InterruptedException.class);
                });
    }

    private static long closeMillis(ConfigurableApplicationContext context) {
        long start = System.nanoTime();
        context.close();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
