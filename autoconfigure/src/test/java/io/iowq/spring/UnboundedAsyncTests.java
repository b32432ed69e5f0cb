package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * Each {@code @Unbounded} call wakes or creates a worker when it is made, whatever the unbound class's
 * concurrency, as a blocking call needs: it does not wait for the manager to see the others blocked.
 */
@SpringBootTest(classes = UnboundedAsyncTests.App.class, properties = "iowq.unbounded.concurrency=1")
class UnboundedAsyncTests {

    private static final int CALLS = 3;

    @Autowired
    private Spinner spinner;

    @Test
    void everyUnboundedCallGetsAWorkerAtOnce() throws Exception {
        // The calls spin, so the manager never sees them blocked: with concurrency 1 only the first
        // would run until it ends, unless each call woke a worker of its own.
        CountDownLatch started = new CountDownLatch(CALLS);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < CALLS; i++) {
                calls.add(spinner.spinUntilAllStarted(started));
            }
            assertThat(started.await(20, TimeUnit.SECONDS)).as("all %d calls running at once", CALLS).isTrue();
        } finally {
            for (int i = 0; i < CALLS; i++) {
                started.countDown();
            }
        }
        for (CompletableFuture<String> call : calls) {
            assertThat(call.get(20, TimeUnit.SECONDS)).startsWith("iowq-");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import(Spinner.class)
    static class App {
    }

    static class Spinner {
        @Async
        @Unbounded
        public CompletableFuture<String> spinUntilAllStarted(CountDownLatch started) {
            started.countDown();
            while (started.getCount() > 0) {
                Thread.onSpinWait();
            }
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }
}
