package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** An item run by hand ({@link Work#run()}, as {@code ExecutorCompletionService} runs {@code newTaskFor}'s) cancels as a {@code FutureTask} does. */
class HandRunCancelTest {

    @Test
    void cancellingAnItemRunByHandInterruptsItsRunner() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Work<String> item = Work.of(() -> {
            started.countDown();
            try {
                Thread.sleep(10_000);
                return "slept";
            } catch (InterruptedException e) {
                interrupted.set(true);
                return "woken";
            }
        });
        Thread runner = new Thread(item);
        runner.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(item.cancel(true)).isTrue();

        runner.join(10_000);
        assertThat(runner.isAlive()).isFalse();
        assertThat(interrupted).isTrue();
        assertThat(item.isCancelled()).isTrue();
        assertThatThrownBy(item::get).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancellingWithoutInterruptLeavesTheRunnerAloneButEndsTheItem() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Work<String> item = Work.of(() -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Thread.currentThread().isInterrupted() ? "interrupted" : "done";
        });
        AtomicBoolean callback = new AtomicBoolean();
        item.whenDone(() -> callback.set(true));
        Thread runner = new Thread(item);
        runner.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(item.cancel(false)).isTrue();
        assertThat(item.isCancelled()).isTrue();
        assertThat(callback).isTrue();

        release.countDown();
        runner.join(10_000);
        assertThat(item.isCancelled()).isTrue();
    }
}
