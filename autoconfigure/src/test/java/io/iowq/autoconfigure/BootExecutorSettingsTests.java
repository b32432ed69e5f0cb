package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.iowq.core.Work;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Spring Boot's {@code spring.task.execution.*} and {@code spring.threads.virtual.enabled}, as iowq reads them. */
@ExtendWith(OutputCaptureExtension.class)
class BootExecutorSettingsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

    @Test
    void theSettingsWithAMeaningForIowqApplyWhereIowqsOwnAreUnset(CapturedOutput output) {
        runner.withPropertyValues("spring.task.execution.pool.max-size=6", "spring.task.execution.pool.keep-alive=7s",
                "spring.task.execution.thread-name-prefix=app-", "spring.task.execution.shutdown.await-termination=true",
                "spring.task.execution.shutdown.await-termination-period=9s").run(context -> {
                    IoWqExecutor executor = context.getBean(IoWqExecutor.class);
                    IoWqConfig config = executor.ioWq().config();
                    assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(6);
                    assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.threadNamePrefix()).isEqualTo("app-");
                    assertThat(executor.getAwaitTermination()).isEqualTo(Duration.ofSeconds(9));
                    assertThat(output).contains("spring.task.execution.pool.max-size=6 as iowq.bounded.max-workers",
                            "spring.task.execution.pool.keep-alive=7s as iowq.idle-timeout",
                            "spring.task.execution.thread-name-prefix=app- as iowq.thread-name-prefix",
                            "spring.task.execution.shutdown.await-termination-period=9s as iowq.shutdown.await-termination")
                            .doesNotContain("has no effect");
                });
    }

    @Test
    void bootsQueueCapacityBoundsTheBoundClassAndIowqsOwnBoundsEachClass(CapturedOutput output) {
        runner.withPropertyValues("spring.task.execution.pool.queue-capacity=100").run(context -> {
            IoWqConfig config = context.getBean(IoWqExecutor.class).ioWq().config();
            assertThat(config.queueCapacity(WorkClass.BOUND)).isEqualTo(100);
            assertThat(config.queueCapacity(WorkClass.UNBOUND)).isEqualTo(Integer.MAX_VALUE);
            assertThat(output).contains("spring.task.execution.pool.queue-capacity=100 as iowq.bounded.queue-capacity");
        });
        runner.withPropertyValues("iowq.bounded.queue-capacity=3", "iowq.unbounded.queue-capacity=4").run(context -> {
            IoWqConfig config = context.getBean(IoWqExecutor.class).ioWq().config();
            assertThat(config.queueCapacity(WorkClass.BOUND)).isEqualTo(3);
            assertThat(config.queueCapacity(WorkClass.UNBOUND)).isEqualTo(4);
        });
        runner.withPropertyValues("iowq.unbounded.queue-capacity=0").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("iowq.unbounded.queue-capacity"));
    }

    @Test
    void iowqsOwnPropertiesWinAndTheSpringOnesAreReportedAsIgnored(CapturedOutput output) {
        runner.withPropertyValues("spring.task.execution.pool.max-size=6", "iowq.bounded.max-workers=5",
                "spring.task.execution.pool.keep-alive=7s", "iowq.idle-timeout=2s").run(context -> {
                    IoWqConfig config = context.getBean(IoWqExecutor.class).ioWq().config();
                    assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(5);
                    assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(output).contains("spring.task.execution.pool.max-size has no effect: "
                            + "iowq.bounded.max-workers is set", "spring.task.execution.pool.keep-alive has no effect: "
                            + "iowq.idle-timeout is set");
                });
    }

    @Test
    void theSettingsWithoutAMeaningForIowqAreReportedOnceInOneWarning(CapturedOutput output) {
        runner.withPropertyValues("spring.task.execution.pool.core-size=4",
                "spring.task.execution.pool.allow-core-thread-timeout=false",
                "spring.task.execution.simple.concurrency-limit=3").run(context -> {
                    assertThat(context).hasNotFailed();
                    String all = output.getAll();
                    assertThat(all).contains("spring.task.execution.pool.core-size has no effect",
                            "spring.task.execution.pool.allow-core-thread-timeout has no effect",
                            "spring.task.execution.simple.concurrency-limit has no effect");
                    assertThat(all.split("Spring Boot executor settings", -1)).hasSize(2);
                });
    }

    @Test
    void withoutSpringTaskExecutionSettingsNothingIsLogged(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output).doesNotContain("spring.task.execution", "spring.threads.virtual");
        });
    }

    @Test
    void aMappedMaximumBelowIowqsConcurrencyStopsStartUpNamingBoth() {
        runner.withPropertyValues("spring.task.execution.pool.max-size=2", "iowq.bounded.concurrency=3").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("spring.task.execution.pool.max-size", "'2'",
                    "iowq.bounded.concurrency (3)");
        });
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void virtualThreadsOnMakeTheWorkersVirtualThreadsNamedByThePool(CapturedOutput output) {
        runner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            Thread bound = executor.submit(Thread::currentThread).get(30, TimeUnit.SECONDS);
            Thread unbound = executor.enqueue(executor.work(Thread::currentThread).unbound()).get(30, TimeUnit.SECONDS);
            assertThat(isVirtual(bound)).isTrue();
            assertThat(isVirtual(unbound)).isTrue();
            assertThat(bound.getName()).startsWith("iowq-b-");
            assertThat(unbound.getName()).startsWith("iowq-u-");
            assertThat(output).contains("spring.threads.virtual.enabled=true: iowq's workers are virtual threads");
        });
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void aVirtualWorkerThatBlocksIsSeenBlockedAndAnotherRunsTheQueuedWork() {
        runner.withPropertyValues("spring.threads.virtual.enabled=true", "iowq.bounded.concurrency=1")
                .run(context -> {
                    IoWqExecutor executor = context.getBean(IoWqExecutor.class);
                    CountDownLatch release = new CountDownLatch(1);
                    Work<?> blocking = executor.submit(() -> {
                        release.await();
                        return null;
                    });
                    try {
                        // one running at a time: the next item runs only because the pool saw the first block
                        assertThat(executor.submit(() -> "ran").get(30, TimeUnit.SECONDS)).isEqualTo("ran");
                        assertThat(blocking.isDone()).isFalse();
                    } finally {
                        release.countDown();
                    }
                    blocking.get(30, TimeUnit.SECONDS);
                });
    }

    @Test
    @EnabledForJreRange(max = JRE.JAVA_20)
    void virtualThreadsOnBeforeJava21LeaveThePlatformWorkersAndSaySo(CapturedOutput output) {
        runner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(IoWqExecutor.class).submit(() -> Thread.currentThread().getName())
                    .get()).startsWith("iowq-");
            assertThat(output).contains("spring.threads.virtual.enabled=true has no effect before Java 21");
        });
    }

    @Test
    void withoutVirtualThreadsTheWorkersArePlatformThreads() throws Exception {
        runner.run(context -> assertThat(isVirtual(context.getBean(IoWqExecutor.class).submit(Thread::currentThread)
                .get(30, TimeUnit.SECONDS))).isFalse());
    }

    /** {@code Thread.isVirtual()}, which the Java 17 API this module compiles against does not have. */
    private static boolean isVirtual(Thread t) throws ReflectiveOperationException {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
