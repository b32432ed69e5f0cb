package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.core.ContextHook;
import io.iowq.core.IoWqConfig;
import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import io.iowq.spring.ContextPropagationHook;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

class IoWqAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

    @Test
    void registersIoWqExecutorAsApplicationTaskExecutorAliasedTaskExecutorInsteadOfBootsOwn() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(IoWqExecutor.class);
            assertThat(context).doesNotHaveBean(ThreadPoolTaskExecutor.class);
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            assertThat(context.getBean("applicationTaskExecutor")).isSameAs(executor);
            assertThat(context.getBean("taskExecutor")).isSameAs(executor);
            assertThat(executor.submit(() -> 42).get(10, TimeUnit.SECONDS)).isEqualTo(42);
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesApplicationTaskExecutor() {
        runner.withUserConfiguration(UserExecutorConfiguration.class).run(context -> {
            assertThat(context).doesNotHaveBean(IoWqExecutor.class);
            assertThat(context.getBean("applicationTaskExecutor")).isSameAs(context.getBean("userExecutor"));
        });
    }

    @Test
    void leavesTheNameTaskExecutorToTheApplicationWhenItIsTaken() {
        runner.withUserConfiguration(UserTaskExecutorConfiguration.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(IoWqExecutor.class);
            assertThat(context.getBean("taskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
        });
    }

    @Test
    void isOffWithIowqEnabledFalseAndBootsOwnExecutorIsThere() {
        runner.withPropertyValues("iowq.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(IoWqExecutor.class);
            assertThat(context).doesNotHaveBean(IoWqProperties.class);
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
        });
    }

    @Test
    void isOnWithIowqEnabledTrue() {
        runner.withPropertyValues("iowq.enabled=true").run(context -> assertThat(context).hasSingleBean(IoWqExecutor.class));
    }

    @Test
    void unsetPropertiesTakeTheEnginesDefaultsDerivedFromTheMachine() {
        runner.run(context -> {
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            IoWqConfig config = executor.ioWq().config();
            int cpus = Runtime.getRuntime().availableProcessors();
            assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(4 * cpus);
            assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(cpus);
            assertThat(config.concurrency(WorkClass.UNBOUND)).isEqualTo(Math.min(cpus, config.maxWorkers(WorkClass.UNBOUND)));
            assertThat(config.threadLimit().source()).isNotEqualTo("configured");
            assertThat((long) config.maxWorkers(WorkClass.UNBOUND)).isBetween(1L, config.threadLimit().limit());
            assertThat(config.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.threadNamePrefix()).isEqualTo("iowq-");
            assertThat(config.observeBlocking()).isTrue();
            assertThat(config.contextHook()).isInstanceOf(ContextPropagationHook.class);
            assertThat(executor.getAwaitTermination()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void everyPropertyReachesThePool() {
        runner.withPropertyValues("iowq.bounded.max-workers=6", "iowq.bounded.concurrency=3",
                "iowq.unbounded.max-workers=50", "iowq.unbounded.concurrency=5", "iowq.idle-timeout=750ms",
                "iowq.thread-name-prefix=ledger-", "iowq.shutdown.await-termination=2s",
                "iowq.observe-blocking=false", "iowq.thread-limit=5000").run(context -> {
                    IoWqExecutor executor = context.getBean(IoWqExecutor.class);
                    IoWqConfig config = executor.ioWq().config();
                    assertThat(config.maxWorkers(WorkClass.BOUND)).isEqualTo(6);
                    assertThat(config.concurrency(WorkClass.BOUND)).isEqualTo(3);
                    assertThat(config.maxWorkers(WorkClass.UNBOUND)).isEqualTo(50);
                    assertThat(config.concurrency(WorkClass.UNBOUND)).isEqualTo(5);
                    assertThat(config.idleTimeout()).isEqualTo(Duration.ofMillis(750));
                    assertThat(config.threadNamePrefix()).isEqualTo("ledger-");
                    assertThat(executor.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS))
                            .startsWith("ledger-");
                    assertThat(executor.getAwaitTermination()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(config.observeBlocking()).isFalse();
                    assertThat(config.threadLimit().limit()).isEqualTo(5000);
                    assertThat(config.threadLimit().source()).isEqualTo("configured");
                });
    }

    @Test
    void theUnboundedDefaultMaximumFollowsAConfiguredThreadLimit() {
        runner.withPropertyValues("iowq.thread-limit=100000").run(context -> {
            IoWqConfig config = context.getBean(IoWqExecutor.class).ioWq().config();
            assertThat((long) config.maxWorkers(WorkClass.UNBOUND)).isBetween(100000L - 1000, 100000L - 1);
        });
    }

    @Test
    void customizersAdjustTheConfigurationThenTheExecutor() {
        runner.withUserConfiguration(CustomizerConfiguration.class).withPropertyValues("iowq.idle-timeout=9s")
                .run(context -> {
                    IoWqExecutor executor = context.getBean(IoWqExecutor.class);
                    assertThat(executor.ioWq().config().idleTimeout()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(executor.getAwaitTermination()).isEqualTo(Duration.ofMillis(1234));
                });
    }

    @Test
    void aTaskDecoratorBeanWrapsEveryTask() {
        runner.withUserConfiguration(DecoratorConfiguration.class).run(context -> {
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            assertThat(executor.submit(DecoratorConfiguration.WRAPPED::get).get(10, TimeUnit.SECONDS)).isEqualTo("wrapped");
            assertThat(executor.submitCompletable(DecoratorConfiguration.WRAPPED::get).get(10, TimeUnit.SECONDS))
                    .isEqualTo("wrapped");
        });
    }

    @Test
    void aContextHookBeanReplacesContextPropagation() {
        runner.withUserConfiguration(ContextHookConfiguration.class).run(context -> assertThat(
                context.getBean(IoWqExecutor.class).ioWq().config().contextHook())
                .isSameAs(context.getBean(ContextHook.class)));
    }

    @Test
    void everyListenerBeanIsToldOfEachEnd() {
        runner.withUserConfiguration(ListenerConfiguration.class).run(context -> {
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            Work<?> work = executor.submit(() -> "done");
            work.get(10, TimeUnit.SECONDS);
            ListenerConfiguration listeners = context.getBean(ListenerConfiguration.class);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> listeners.first.contains(work.id()) && listeners.second.contains(work.id()));
        });
    }

    @Test
    void closingTheContextShutsThePoolDown() {
        IoWqExecutor[] executor = new IoWqExecutor[1];
        runner.run(context -> executor[0] = context.getBean(IoWqExecutor.class));
        assertThat(executor[0].isTerminated()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> executor[0].ioWq().threads().isEmpty());
    }

    @Configuration(proxyBeanMethods = false)
    static class UserExecutorConfiguration {
        @Bean({"userExecutor", "applicationTaskExecutor"})
        ThreadPoolTaskExecutor userExecutor() {
            return new ThreadPoolTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserTaskExecutorConfiguration {
        @Bean
        ThreadPoolTaskExecutor taskExecutor() {
            return new ThreadPoolTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CustomizerConfiguration {
        @Bean
        IoWqExecutorCustomizer customizer() {
            return new IoWqExecutorCustomizer() {
                @Override
                public void customizeConfig(IoWqConfig.Builder builder) {
                    builder.idleTimeout(Duration.ofSeconds(1));
                }

                @Override
                public void customize(IoWqExecutor executor) {
                    executor.setAwaitTermination(Duration.ofMillis(1234));
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class DecoratorConfiguration {
        static final ThreadLocal<String> WRAPPED = new ThreadLocal<>();

        @Bean
        TaskDecorator decorator() {
            return task -> () -> {
                WRAPPED.set("wrapped");
                try {
                    task.run();
                } finally {
                    WRAPPED.remove();
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ContextHookConfiguration {
        @Bean
        ContextHook contextHook() {
            return () -> ContextHook.Snapshot.EMPTY;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerConfiguration {
        final List<Long> first = new CopyOnWriteArrayList<>();
        final List<Long> second = new CopyOnWriteArrayList<>();

        @Bean
        IoWqListener firstListener() {
            return new IoWqListener() {
                @Override
                public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                    first.add(work.id());
                }
            };
        }

        @Bean
        IoWqListener secondListener() {
            return new IoWqListener() {
                @Override
                public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                    second.add(work.id());
                }
            };
        }
    }
}
