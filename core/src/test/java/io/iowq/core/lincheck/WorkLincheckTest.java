package io.iowq.core.lincheck;

import io.iowq.core.Work;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking of an item's life: {@code run}, {@code cancel} and {@code whenDone} racing.
 * Property: the item ends exactly once (run and cancel cannot both win), a completed item's result is
 * the task's (a cancel that lost writes nothing), and every action given to {@code whenDone} runs
 * exactly once, whether it was registered before or after the end.
 */
public class WorkLincheckTest {

    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger fired = new AtomicInteger();
    private final Work<Integer> work = Work.of(ran::incrementAndGet);

    @Operation
    public void run() {
        work.run();
    }

    @Operation
    public boolean cancel() {
        return work.cancel(true);
    }

    @Operation
    public void whenDone() {
        registered.incrementAndGet();
        work.whenDone(fired::incrementAndGet);
    }

    @Operation
    public String state() {
        return work.state().name();
    }

    @Validate
    public void endedOnceAndEveryCallbackFiredOnce() {
        if (ran.get() > 1) {
            throw new IllegalStateException("task ran " + ran.get() + " times");
        }
        if (work.isCancelled() && ran.get() != 0) {
            throw new IllegalStateException("cancelled, yet the task ran");
        }
        if (work.state() == Work.State.COMPLETED && !Integer.valueOf(1).equals(result())) {
            throw new IllegalStateException("completed with " + result() + ", not the task's result 1");
        }
        int expected = work.isDone() ? registered.get() : 0;
        if (fired.get() != expected) {
            throw new IllegalStateException(fired.get() + " callbacks fired, expected " + expected);
        }
    }

    private Integer result() {
        try {
            return work.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions().iterations(20).invocationsPerIteration(300).check(WorkLincheckTest.class);
    }
}
