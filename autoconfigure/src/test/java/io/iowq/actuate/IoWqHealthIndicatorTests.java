package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.core.IoWqConfig;
import io.iowq.spring.IoWqExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** {@link IoWqHealthIndicator}: UP with details while the pool runs work, DOWN once it cannot. */
class IoWqHealthIndicatorTests {

    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder().nodes(1).build());
    private final IoWqHealthIndicator indicator = new IoWqHealthIndicator(executor);

    @AfterEach
    void shutDown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRunningPoolIsUpWithWorkersPendingAndRejected() {
        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("state", "running").containsEntry("workers", 1)
                .containsEntry("pending", 0L).containsEntry("rejected", 0L);
    }

    @Test
    void aShutDownPoolIsDown() {
        executor.shutdown();

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsKeys("state", "workers", "pending", "rejected");
    }

    @Test
    void aTerminatedPoolIsDownAndSaysSo() throws InterruptedException {
        executor.shutdown();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("state", "terminated").containsEntry("workers", 0);
    }
}
