package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.autoconfigure.InvalidAsyncWorkFailureAnalyzer;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.config.TaskManagementConfigUtils;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/** Wrong use of {@code @Hashed} and {@code @Unbounded} stops start-up, naming the method and the reason. */
class AsyncWorkValidationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

    @Test
    void aKeyExpressionThatDoesNotParseStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(BadExpression.class).run(context ->
                assertFailure(context, "BadExpression.post(String)", "@Hashed(\"#id +\") does not parse"));
    }

    @Test
    void anEmptyKeyExpressionStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(EmptyExpression.class).run(context ->
                assertFailure(context, "EmptyExpression.post(String)", "@Hashed needs a key expression"));
    }

    @Test
    void hashedWithoutAsyncStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(HashedNotAsync.class).run(context ->
                assertFailure(context, "HashedNotAsync.post(String)", "@Hashed applies only to @Async methods"));
    }

    @Test
    void unboundedWithoutAsyncStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(UnboundedNotAsync.class).run(context ->
                assertFailure(context, "UnboundedNotAsync.fetch()", "@Unbounded applies only to @Async methods"));
    }

    @Test
    void anUnboundedClassWithoutAsyncMethodsStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(UnboundedClassNotAsync.class).run(context ->
                assertFailure(context, "UnboundedClassNotAsync", "it has none"));
    }

    @Test
    void hashedOnAsyncNamingAnotherExecutorStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class, OtherExecutor.class).withBean(HashedOnOtherExecutor.class)
                .run(context -> assertFailure(context, "HashedOnOtherExecutor.post(String)",
                        "@Async(\"other\") names the bean 'other' (ThreadPoolTaskExecutor"));
    }

    @Test
    void hashedOnAsyncNamingAMissingExecutorStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class).withBean(HashedOnOtherExecutor.class)
                .run(context -> assertFailure(context, "HashedOnOtherExecutor.post(String)",
                        "its @Async executor \"other\" cannot be found"));
    }

    @Test
    void hashedWhenAnAsyncConfigurerRoutesAsyncElsewhereStopsStartUp() {
        runner.withUserConfiguration(AsyncOn.class, ConfigurerWithOwnExecutor.class).withBean(Hashing.class)
                .run(context -> assertFailure(context, "Hashing.post(String)", "@Async runs it on"));
    }

    @Test
    void hashedWithoutEnableAsyncStopsStartUp() {
        runner.withBean(Hashing.class).run(context ->
                assertFailure(context, "Hashing.post(String)", "add @EnableAsync"));
    }

    @Test
    void hashedAsyncOnIowqStartsAndAsyncNamingIowqByItsBeanNameIsAccepted() {
        runner.withUserConfiguration(AsyncOn.class).withBean(Hashing.class).withBean(HashedOnApplicationTaskExecutor.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void anAsyncConfigurerThatLeavesTheExecutorToSpringIsAccepted() {
        runner.withUserConfiguration(AsyncOn.class, HandlerOnlyConfigurer.class).withBean(Hashing.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aCustomAsyncAnnotationOfEnableAsyncStillHandsCallsToIowq() {
        runner.withUserConfiguration(CustomAsyncOn.class).withBean(LaterCaller.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(TaskManagementConfigUtils.ASYNC_ANNOTATION_PROCESSOR_BEAN_NAME))
                    .isInstanceOf(IoWqAsyncAnnotationBeanPostProcessor.class);
            LaterCaller caller = context.getBean(LaterCaller.class);
            assertThat(caller.where().get(30, TimeUnit.SECONDS)).startsWith("iowq-");
            assertThat(caller.here()).isEqualTo(Thread.currentThread().getName());
        });
    }

    private static void assertFailure(AssertableApplicationContext context, String method, String reason) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new InvalidAsyncWorkFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains(method, reason);
        assertThat(analysis.getAction()).contains("@Async");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncOn {
    }

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Later {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync(annotation = Later.class)
    static class CustomAsyncOn {
    }

    static class LaterCaller {
        @Later
        public CompletableFuture<String> where() {
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }

        @Async
        public String here() {
            return Thread.currentThread().getName();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OtherExecutor {
        @Bean
        ThreadPoolTaskExecutor other() {
            return new ThreadPoolTaskExecutor();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ConfigurerWithOwnExecutor implements AsyncConfigurer {
        @Override
        public Executor getAsyncExecutor() {
            ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
            executor.initialize();
            return executor;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HandlerOnlyConfigurer implements AsyncConfigurer {
        @Override
        public org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
            return (ex, method, params) -> { };
        }
    }

    static class Hashing {
        @Async
        @Hashed("#id")
        public void post(String id) {
        }
    }

    static class HashedOnApplicationTaskExecutor {
        @Async("applicationTaskExecutor")
        @Hashed("#id")
        public void post(String id) {
        }

        @Async("taskExecutor")
        @Hashed("#id")
        @Unbounded
        public void fetch(String id) {
        }
    }

    static class BadExpression {
        @Async
        @Hashed("#id +")
        public void post(String id) {
        }
    }

    static class EmptyExpression {
        @Async
        @Hashed(" ")
        public void post(String id) {
        }
    }

    static class HashedNotAsync {
        @Hashed("#id")
        public void post(String id) {
        }
    }

    static class UnboundedNotAsync {
        @Unbounded
        public void fetch() {
        }
    }

    @Unbounded
    static class UnboundedClassNotAsync {
        public void fetch() {
        }
    }

    static class HashedOnOtherExecutor {
        @Async("other")
        @Hashed("#id")
        public void post(String id) {
        }
    }
}
