package io.iowq.core;

import static io.iowq.core.Pools.eventually;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** A one-shot gate that tasks wait at (interruptibly) until the test opens it. */
final class Gate {

    private final CountDownLatch open = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);

    /** A gate already held by an item that keeps a worker of {@code pool} busy until it opens. */
    static Gate occupying(IoWq pool) {
        Gate gate = new Gate();
        gate.enter(pool, Work.of(gate.task()));
        return gate;
    }

    void open() {
        open.countDown();
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
    Callable<String> task() {
        return () -> {
            pass();
            return Thread.currentThread().getName();
        };
    }

    /** A task that waits at the gate and records in {@code interrupted} whether that wait was interrupted. */
    Callable<String> task(AtomicBoolean interrupted) {
        return () -> {
            try {
                return task().call();
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
        };
    }

    /** Enqueues {@code work}, which waits at this gate, and returns once it waits there. */
    <T> Work<T> enter(IoWq pool, Work<T> work) {
        pool.enqueue(work);
        eventually().until(this::reached);
        return work;
    }

    /** A task that waits at the gate inside {@link Blocking}, so that its worker counts as blocked. */
    Callable<String> blockingTask() {
        return () -> Blocking.call(task());
    }

    /** Enqueues {@code n} items of {@link #blockingTask()}. */
    List<Work<String>> blockIn(IoWq pool, int n) {
        List<Work<String>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(pool.enqueue(Work.of(blockingTask())));
        }
        return items;
    }
}
