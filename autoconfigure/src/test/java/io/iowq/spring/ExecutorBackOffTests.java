package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.autoconfigure.InvalidAsyncWorkFailureAnalyzer;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.autoconfigure.IoWqPropertiesFailureAnalyzer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * iowq's back-off rules beside Spring Boot's ({@code TaskExecutorConfigurations}), and what start-up
 * says when {@code @Hashed} or {@code @Unbounded} work would not run on iowq: each failure names what
 * the application wrote and what to do.
 */
@ExtendWith(OutputCaptureExtension.class)
class ExecutorBackOffTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
            .withUserConfiguration(AsyncOn.class);

    @Test
    void iowqDisabledWithHashedOrUnboundedMethodsStopsStartUpNamingEveryOne() {
        runner.withPropertyValues("iowq.enabled=false").withBean(Ledger.class).withBean(Rates.class).run(context -> {
            FailureAnalysis analysis = asyncFailure(context);
            assertThat(analysis.getDescription()).contains("iowq.enabled=false", "Ledger.post(String)",
                    "Ledger.audit(String)", "Rates.fetch(String)", "ThreadPoolTaskExecutor");
            assertThat(analysis.getAction()).contains("Remove iowq.enabled=false", "remove @Hashed and @Unbounded");
        });
    }

    @Test
    void iowqDisabledWithoutHashedOrUnboundedLeavesBootsExecutorInPlace() {
        runner.withPropertyValues("iowq.enabled=false").withBean(Plain.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
        });
    }

    @Test
    void aBeanNamedTaskExecutorTakesAsyncAndHashedWorkStopsStartUpNamingThatBean() {
        runner.withUserConfiguration(ClassicTaskExecutor.class).withBean(Ledger.class).run(context -> {
            FailureAnalysis analysis = asyncFailure(context);
            assertThat(analysis.getDescription()).contains("ExecutorBackOffTests$Ledger.", "bean 'taskExecutor'",
                    "ThreadPoolTaskExecutor", "ClassicTaskExecutor", "named 'taskExecutor'")
                    .doesNotContain("qualifier");
            assertThat(analysis.getAction()).contains("@Async(\"applicationTaskExecutor\")", "rename");
        });
    }

    @Test
    void aBeanNamedTaskExecutorStillLeavesIowqTheApplicationTaskExecutorAndOneInfoLineSaysWhereAsyncRuns(
            CapturedOutput output) {
        runner.withUserConfiguration(ClassicTaskExecutor.class).withBean(Plain.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(IoWqExecutor.class);
            assertThat(context.getBean("taskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
            assertThat(output).contains("@Async calls without a qualifier run on another executor than iowq's",
                    "the bean 'taskExecutor' (ThreadPoolTaskExecutor");
        });
    }

    @Test
    void asyncOnIowqSaysNothingAboutWhereItRuns(CapturedOutput output) {
        runner.withUserConfiguration(OtherNamedExecutor.class).withBean(Plain.class)
                .run(context -> assertThat(output).doesNotContain("@Async calls without a qualifier"));
    }

    @Test
    void anExecutorBeanOfAnotherNameLeavesAsyncOnIowq() throws Exception {
        runner.withUserConfiguration(OtherNamedExecutor.class).withBean(Ledger.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(IoWqExecutor.class);
            assertThat(context.getBean(Ledger.class).where().get()).startsWith("iowq-");
        });
    }

    @Test
    void theApplicationsOwnApplicationTaskExecutorMakesIowqBackOffAndHashedWorkStopsStartUpNamingIt() {
        runner.withUserConfiguration(OwnApplicationTaskExecutor.class).withBean(Ledger.class).run(context -> {
            FailureAnalysis analysis = asyncFailure(context);
            assertThat(analysis.getDescription()).contains("ExecutorBackOffTests$Ledger.", "bean 'applicationTaskExecutor'",
                    "ThreadPoolTaskExecutor", "OwnApplicationTaskExecutor", "iowq backed off");
            assertThat(analysis.getAction()).contains("IoWqExecutorCustomizer");
        });
    }

    @Test
    void whenAsyncFallsBackToANewSimpleAsyncTaskExecutorTheFailureSaysWhy() {
        runner.withUserConfiguration(OwnApplicationTaskExecutor.class, OtherNamedExecutor.class).withBean(Ledger.class)
                .run(context -> {
                    FailureAnalysis analysis = asyncFailure(context);
                    assertThat(analysis.getDescription()).contains("ExecutorBackOffTests$Ledger.",
                            "a new SimpleAsyncTaskExecutor", "no bean named 'taskExecutor'",
                            "bean 'applicationTaskExecutor'", "iowq backed off")
                            .doesNotContain("SimpleAsyncTaskExecutor@");
                });
    }

    @Test
    void forceModeStopsStartUpNamingThePropertyInsteadOfABeanOverridingError() {
        runner.withPropertyValues("spring.task.execution.mode=force").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("spring.task.execution.mode", "force")
                    .doesNotContain("overriding");
            assertThat(analysis.getAction()).contains("auto", "iowq.enabled=false");
        });
    }

    @Test
    void forceModeWithIowqDisabledIsBootsBusiness() {
        runner.withPropertyValues("spring.task.execution.mode=force", "iowq.enabled=false")
                .withUserConfiguration(OtherNamedExecutor.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
                });
    }

    private static FailureAnalysis asyncFailure(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new InvalidAsyncWorkFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).isNotNull();
        return analysis;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncOn {
    }

    @Configuration(proxyBeanMethods = false)
    static class ClassicTaskExecutor {
        @Bean
        ThreadPoolTaskExecutor taskExecutor() {
            return new ThreadPoolTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OtherNamedExecutor {
        @Bean
        ThreadPoolTaskExecutor reportsExecutor() {
            return new ThreadPoolTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnApplicationTaskExecutor {
        @Bean
        ThreadPoolTaskExecutor applicationTaskExecutor() {
            return new ThreadPoolTaskExecutor();
        }
    }

    static class Ledger {
        @Async
        @Hashed("#id")
        public void post(String id) {
        }

        @Async
        @Hashed("'audit'")
        public void audit(String line) {
        }

        @Async
        public java.util.concurrent.CompletableFuture<String> where() {
            return java.util.concurrent.CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }

    static class Rates {
        @Async
        @Unbounded
        public void fetch(String currency) {
        }
    }

    static class Plain {
        @Async
        public void run() {
        }
    }
}
