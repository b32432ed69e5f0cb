package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.iowq.core.CancelResult;
import io.iowq.core.Cancellation;
import io.iowq.core.IoWqConfig;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskRejectedException;

/** The executor on its own: futures that cancel in the pool, the operator API, task decoration, shutdown. */
@ExtendWith(OutputCaptureExtension.class)
class IoWqExecutorTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One bound worker: what runs and what waits is certain. */
    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder()
            .maxWorkers(WorkClass.BOUND, 1).concurrency(WorkClass.BOUND, 1).observeBlocking(false).build());

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void shutDown() throws InterruptedException {
        release.countDown();
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private Work<?> occupyTheWorker() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Work<?> blocker = executor.submit(() -> {
            started.countDown();
            release.await();
            return null;
        });
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        return blocker;
    }

    @Test
    void cancelKeyWithAStringAlsoMatchesKeysWhoseStringFormEqualsIt() throws Exception {
        occupyTheWorker();
        Work<Object> byLong = executor.enqueue(executor.work(() -> { }).hashed(42L));
        Work<Object> byString = executor.enqueue(executor.work(() -> { }).hashed("42"));
        Work<Object> other = executor.enqueue(executor.work(() -> { }).hashed(43L));
        Cancellation result = executor.cancelKey("42");
        assertThat(result.result()).isEqualTo(CancelResult.OK);
        assertThat(result.pending()).isEqualTo(2);
        assertThat(byLong.isCancelled()).isTrue();
        assertThat(byString.isCancelled()).isTrue();
        assertThat(other.isCancelled()).isFalse();
    }

    @Test
    void cancelKeyWithANonStringMatchesByEqualsOnly() throws Exception {
        occupyTheWorker();
        Work<Object> byString = executor.enqueue(executor.work(() -> { }).hashed("42"));
        assertThat(executor.cancelKey(42L).result()).isEqualTo(CancelResult.NOT_FOUND);
        assertThat(byString.isCancelled()).isFalse();
    }

    @Test
    void cancelByIdAndCancelAllFollowTheSeedsResults() throws Exception {
        Work<?> running = occupyTheWorker();
        Work<?> pending = executor.submit(() -> "x");
        assertThat(executor.cancel(pending.id())).isEqualTo(CancelResult.OK);
        assertThat(executor.cancel(pending.id())).isEqualTo(CancelResult.NOT_FOUND);
        executor.submit(() -> "y");
        Cancellation all = executor.cancelAll();
        assertThat(all.result()).isEqualTo(CancelResult.RUNNING);
        assertThat(all.running()).isEqualTo(1);
        assertThat(all.pending()).isEqualTo(1);
        assertThat(running.isCancelled()).isTrue();
    }

    @Test
    void theOperatorViewsListPendingAndRunningWorkAndResizeTakesEffect() throws Exception {
        occupyTheWorker();
        executor.submit(() -> "waiting");
        await().atMost(WAIT).until(() -> executor.runningWork(true).size() == 1);
        assertThat(executor.runningWork(true).get(0).stack()).isNotEmpty();
        assertThat(executor.pendingWork()).hasSize(1);
        assertThat(executor.stats().pending()).isEqualTo(1);
        executor.setMaxWorkers(WorkClass.BOUND, 3);
        assertThat(executor.stats().bounded().maxWorkers()).isEqualTo(3);
    }

    @Test
    void submitCompletableReturnsAFutureWhoseCancelInterruptsTheRunningItem() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<String> future = executor.submitCompletable(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return "done";
        });
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(future.cancel(true)).isTrue();
        assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(future).isCancelled();
        assertThat(((WorkCompletableFuture<String>) future).work().isCancelled()).isTrue();
    }

    @Test
    void aCompletableFutureFollowsItsItemsResultAndFailure() {
        assertThat(executor.submitCompletable(() -> "value").join()).isEqualTo("value");
        CompletableFuture<Object> failing = executor.submitCompletable(() -> {
            throw new IOException("disk");
        });
        assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        assertThat(executor.submitCompletable(() -> { }).thenApply(v -> "ran").join()).isEqualTo("ran");
    }

    @Test
    void aFailedCompletableFutureHandsDependentStagesACompletionExceptionAsSpringsExecutorsDo() throws Exception {
        SimpleAsyncTaskExecutor spring = new SimpleAsyncTaskExecutor();
        for (boolean callable : new boolean[] {true, false}) {
            CompletableFuture<?> ours = callable
                    ? executor.submitCompletable(() -> { throw new IOException("disk"); })
                    : executor.submitCompletable((Runnable) () -> { throw new IllegalStateException("disk"); });
            CompletableFuture<?> theirs = callable
                    ? spring.submitCompletable(() -> { throw new IOException("disk"); })
                    : spring.submitCompletable((Runnable) () -> { throw new IllegalStateException("disk"); });
            Throwable seen = ours.handle((v, t) -> t).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Throwable expected = theirs.handle((v, t) -> t).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(seen).isInstanceOf(CompletionException.class).isExactlyInstanceOf(expected.getClass());
            assertThat(seen.getCause()).isExactlyInstanceOf(expected.getCause().getClass()).hasMessage("disk");
            assertThat(ours.exceptionally(t -> null).thenApply(v -> "recovered").join()).isEqualTo("recovered");
            assertThatThrownBy(ours::join).isInstanceOf(CompletionException.class)
                    .hasCauseExactlyInstanceOf(expected.getCause().getClass());
            assertThatThrownBy(ours::get).isInstanceOf(ExecutionException.class)
                    .hasCauseExactlyInstanceOf(expected.getCause().getClass());
        }
    }

    @Test
    void workRefusedOnceShutDownRaisesSpringsTaskRejectedExceptionAsSpringsExecutorsDo() {
        executor.shutdown();
        Runnable task = () -> { };
        for (org.assertj.core.api.ThrowableAssert.ThrowingCallable submit : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                () -> executor.execute(task), () -> executor.submit(task), () -> executor.submit(() -> 1),
                () -> executor.submitCompletable(task), () -> executor.enqueue(executor.work(task)))) {
            assertThatThrownBy(submit).isInstanceOf(TaskRejectedException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class).hasMessageContaining("did not accept");
        }
    }

    @Test
    void aTaskDecoratorWrapsEachTaskInTheSubmittersThreadAndKeepsOutcomeAndDescription() throws Exception {
        ThreadLocal<String> carried = new ThreadLocal<>();
        List<String> decoratedIn = new ArrayList<>();
        executor.setTaskDecorator(task -> {
            String value = carried.get();
            decoratedIn.add(Thread.currentThread().getName());
            return () -> {
                carried.set(value);
                try {
                    task.run();
                } finally {
                    carried.remove();
                }
            };
        });
        carried.set("from-caller");
        assertThat(executor.submit(carried::get).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("from-caller");
        assertThat(decoratedIn).containsExactly(Thread.currentThread().getName());
        Work<Object> failing = executor.submit(() -> {
            throw new IOException("checked");
        });
        assertThatThrownBy(failing::get).hasCauseInstanceOf(IOException.class);
        Runnable named = new Runnable() {
            @Override
            public void run() {
            }

            @Override
            public String toString() {
                return "named task";
            }
        };
        assertThat(executor.submit(named).description()).isEqualTo("named task");
    }

    @Test
    void executeReportsAnExceptionToTheWorkersUncaughtExceptionHandler(CapturedOutput output) {
        executor.execute(() -> {
            throw new IllegalStateException("uncaught-in-execute");
        });
        // Awaitility would otherwise take the very exception under test, reported on a worker, as its own failure
        await().dontCatchUncaughtExceptions().atMost(WAIT).until(() -> executor.stats().failed() == 1);
        await().dontCatchUncaughtExceptions().atMost(WAIT).until(() -> output.getAll().contains("uncaught-in-execute"));
    }

    @Test
    void invokeAllRunsEveryTaskOnThePool() throws Exception {
        List<java.util.concurrent.Callable<String>> tasks = List.of(() -> "a", () -> "b", () -> "c");
        List<String> results = new ArrayList<>();
        for (var f : executor.invokeAll(tasks)) {
            results.add(f.get());
        }
        assertThat(results).containsExactly("a", "b", "c");
        // a task's FutureTask is done before its item's end is counted, just after
        await().atMost(WAIT).until(() -> executor.stats().completed() == 3);
    }

    @Test
    void stopDrainsQueuedWorkWithinTheAwaitPeriod() {
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            executor.execute(ran::incrementAndGet);
        }
        executor.setAwaitTermination(WAIT);
        executor.start();
        assertThat(executor.isRunning()).isTrue();
        executor.stop();
        assertThat(ran.get()).isEqualTo(100);
        assertThat(executor.isTerminated()).isTrue();
        assertThat(executor.isRunning()).isFalse();
        assertThatThrownBy(() -> executor.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void afterTheAwaitPeriodShutdownCancelsWhatIsLeftAndLogsItByIdKeyAndDescription(CapturedOutput output)
            throws Exception {
        Work<?> running = executor.enqueue(executor.work(() -> {
            new CountDownLatch(1).await();
            return null;
        }).hashed("acct-7").describedAs("Ledger.post"));
        await().atMost(WAIT).until(() -> executor.runningWork(false).size() == 1);
        Work<?> pending = executor.enqueue(executor.work(() -> "never").hashed("acct-7").describedAs("Ledger.post"));
        executor.setAwaitTermination(Duration.ofMillis(200));
        List<Work<?>> cancelled = executor.drainThenCancel();
        assertThat(cancelled).containsExactly(pending);
        assertThat(pending.isCancelled()).isTrue();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(running.failure()).as("interrupted, the running item ends as its task does, as in the JDK's executors")
                .isInstanceOf(InterruptedException.class);
        assertThat(output.getAll()).contains("cancelled 1 pending, interrupted 1 running",
                "pending id=" + pending.id() + " key=acct-7 description=Ledger.post",
                "running id=" + running.id() + " key=acct-7 description=Ledger.post");
    }
}
