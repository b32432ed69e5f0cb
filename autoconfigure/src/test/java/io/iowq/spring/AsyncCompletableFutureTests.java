package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.autoconfigure.IoWqAutoConfiguration;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/** {@code @Async} methods returning {@code CompletableFuture} fail as they do on Spring Boot's own executor. */
class AsyncCompletableFutureTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
            .withUserConfiguration(AsyncOn.class).withBean(Failing.class);

    @Test
    void dependentStagesOfAFailedAsyncCallSeeACompletionExceptionOnIowqAsOnBootsExecutor() {
        Throwable[] seen = new Throwable[2];
        runner.run(context -> {
            assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(IoWqExecutor.class);
            seen[0] = failure(context.getBean(Failing.class));
        });
        runner.withPropertyValues("iowq.enabled=false").run(context -> {
            assertThat(context.getBean("applicationTaskExecutor")).isNotInstanceOf(IoWqExecutor.class);
            seen[1] = failure(context.getBean(Failing.class));
        });
        assertThat(seen[1]).isInstanceOf(CompletionException.class).hasCauseExactlyInstanceOf(IOException.class);
        assertThat(seen[0]).isExactlyInstanceOf(seen[1].getClass()).hasCauseExactlyInstanceOf(IOException.class);
    }

    private static Throwable failure(Failing failing) throws Exception {
        return failing.post().handle((v, t) -> t).get(30, TimeUnit.SECONDS);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncOn {
    }

    static class Failing {
        @Async
        public CompletableFuture<String> post() throws IOException {
            throw new IOException("disk full");
        }
    }
}
