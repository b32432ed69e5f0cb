package io.iowq.core;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A one-shot gate that tasks wait at (interruptibly) until the test opens it. */
final class Gate {

    private final CountDownLatch open = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);

    void open() {
        open.countDown();
    }

    boolean isOpen() {
        return open.getCount() == 0;
    }

    /** Whether a task has reached the gate. */
    boolean reached() {
        return arrived.getCount() == 0;
    }

    /** Waits until the gate opens; throws if the wait is interrupted or lasts absurdly long. */
    void pass() throws InterruptedException {
        arrived.countDown();
        if (!open.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("gate never opened");
        }
    }

    /** A task that waits at the gate and returns its thread's name. */
    java.util.concurrent.Callable<String> task() {
        return () -> {
            pass();
            return Thread.currentThread().getName();
        };
    }
}
