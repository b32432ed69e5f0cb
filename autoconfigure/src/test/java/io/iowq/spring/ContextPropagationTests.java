package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;

/**
 * The submitter's MDC (through context-propagation) and a thread-local carried by a
 * {@link TaskDecorator} bean are visible inside the work and gone after it. One bound worker, so the
 * call after runs on the very thread that ran the call before.
 */
@SpringBootTest(classes = ContextPropagationTests.App.class,
        properties = {"iowq.bounded.max-workers=1", "iowq.bounded.concurrency=1"})
class ContextPropagationTests {

    static final ThreadLocal<String> TENANT = new ThreadLocal<>();

    @Autowired
    private Probe probe;

    @Autowired
    private IoWqExecutor executor;

    @Autowired
    private App app;

    @AfterEach
    void clear() {
        MDC.clear();
        TENANT.remove();
    }

    @Test
    void mdcAndADecoratedThreadLocalAreVisibleInsideTheWorkAndGoneAfterIt() throws Exception {
        MDC.put("request", "r-1");
        TENANT.set("acme");
        CompletableFuture<Map<String, String>> call = probe.look();
        Map<String, String> inside = call.get(10, TimeUnit.SECONDS);
        assertThat(inside).containsEntry("request", "r-1").containsEntry("tenant", "acme");
        assertThat(inside.get("thread")).startsWith("iowq-");
        // The listener runs on the worker once the item has ended and its context is removed.
        long id = ((WorkCompletableFuture<?>) call).work().id();
        await().atMost(Duration.ofSeconds(10)).until(() -> app.afterWork.containsKey(id));
        assertThat(app.afterWork.get(id)).isEqualTo("null/null");

        MDC.clear();
        TENANT.remove();
        Map<String, String> after = probe.look().get(10, TimeUnit.SECONDS);
        assertThat(after.get("thread")).isEqualTo(inside.get("thread"));
        assertThat(after).containsEntry("request", null).containsEntry("tenant", null);
    }

    @Test
    void eachCallSeesItsOwnSubmittersContext() throws Exception {
        MDC.put("request", "r-2");
        TENANT.set("globex");
        CompletableFuture<Map<String, String>> first = probe.look();
        MDC.put("request", "r-3");
        TENANT.set("initech");
        CompletableFuture<Map<String, String>> second = probe.look();
        assertThat(first.get(10, TimeUnit.SECONDS)).containsEntry("request", "r-2").containsEntry("tenant", "globex");
        assertThat(second.get(10, TimeUnit.SECONDS)).containsEntry("request", "r-3").containsEntry("tenant", "initech");
    }

    @Test
    void plainSubmissionsCarryTheContextToo() throws Exception {
        MDC.put("request", "r-4");
        TENANT.set("umbrella");
        assertThat(executor.submit(() -> MDC.get("request") + "/" + TENANT.get()).get(10, TimeUnit.SECONDS))
                .isEqualTo("r-4/umbrella");
        MDC.clear();
        TENANT.remove();
        assertThat(executor.submit(() -> MDC.get("request") + "/" + TENANT.get()).get(10, TimeUnit.SECONDS))
                .isEqualTo("null/null");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import(Probe.class)
    static class App {
        /** What the worker thread holds right after each item, by item id. */
        final Map<Long, String> afterWork = new ConcurrentHashMap<>();

        @Bean
        IoWqListener afterWorkListener() {
            return new IoWqListener() {
                @Override
                public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                    afterWork.put(work.id(), MDC.get("request") + "/" + TENANT.get());
                }
            };
        }

        /** Carries {@link #TENANT} to the worker, and removes it after. */
        @Bean
        TaskDecorator tenantDecorator() {
            return task -> {
                String tenant = TENANT.get();
                return () -> {
                    TENANT.set(tenant);
                    try {
                        task.run();
                    } finally {
                        TENANT.remove();
                    }
                };
            };
        }
    }

    @Component
    static class Probe {
        @Async
        public CompletableFuture<Map<String, String>> look() {
            Map<String, String> seen = new HashMap<>();
            seen.put("request", MDC.get("request"));
            seen.put("tenant", TENANT.get());
            seen.put("thread", Thread.currentThread().getName());
            return CompletableFuture.completedFuture(seen);
        }
    }
}
