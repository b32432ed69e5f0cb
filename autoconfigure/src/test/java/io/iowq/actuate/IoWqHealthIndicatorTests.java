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

    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder().build());
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

    /** The system refuses threads beyond the first bound worker: the pool still runs, degraded, and says how far it is held. */
    @Test
    void aPoolHeldBelowItsMaxWorkersByRefusedThreadsIsDegraded() throws Exception {
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        IoWqExecutor limited = new IoWqExecutor(IoWqConfig.builder().observeBlocking(false)
                .maxWorkers(io.iowq.core.WorkClass.BOUND, 4).concurrency(io.iowq.core.WorkClass.BOUND, 4)
                .threadFactory(r -> {
                    if (threads.incrementAndGet() > 1) {
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
                    }
                    return new Thread(r);
                }).build());
        try {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < 3; i++) {
                limited.execute(() -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> limited.stats().creationFailures() > 0);

            Health health = new IoWqHealthIndicator(limited).health();

            assertThat(health.getStatus()).isEqualTo(IoWqHealthIndicator.DEGRADED);
            assertThat(health.getDetails()).containsEntry("state", "creation limited")
                    .containsEntry("workerLimit.bounded", "1 of max-workers 4");
            release.countDown();
        } finally {
            limited.shutdownNow();
            assertThat(limited.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
