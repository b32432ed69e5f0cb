package io.iowq.core;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Model checking of the open queue against a plain FIFO ({@link Fifo}): submitters offering items,
 * takers that run an item only if they win its start (as workers do), and cancels that end a queued
 * item in place, interleaved in every way the checker explores. Every interleaving's results must
 * equal those of the FIFO run in some sequential order: no item taken twice, taken after its cancel,
 * lost, or taken out of order. (Its size is a weakly consistent count, as
 * {@code ConcurrentLinkedQueue}'s, used as a hint: not checked here.)
 */
@Param(name = "v", gen = IntGen.class, conf = "1:3")
public class OpenQueueLincheckTest {

    private final OpenQueue queue = new OpenQueue();

    @Operation
    public void offer(@Param(name = "v") int v) {
        Work<?> item = Work.of(() -> null).describedAs(Integer.toString(v));
        item.claim();
        item.publishPending();
        queue.offer(item);
    }

    /** A worker's take: the oldest pending item whose start it wins. */
    @Operation
    public Integer take() {
        for (Work<?> item; (item = queue.poll()) != null; ) {
            if (item.start()) {
                return Integer.valueOf(item.description());
            }
        }
        return null;
    }

    @Operation
    public Integer peek() {
        Work<?> item = queue.peek();
        return item == null ? null : Integer.valueOf(item.description());
    }

    /** Ends the oldest pending item {@code v} in place, as a cancel does. */
    @Operation
    public boolean cancel(@Param(name = "v") int v) {
        for (Iterator<Work<?>> it = queue.iterator(); it.hasNext(); ) {
            Work<?> item = it.next();
            if (item.description().equals(Integer.toString(v))
                    && item.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("iowq.lincheck.iterations", 30))
                .invocationsPerIteration(Integer.getInteger("iowq.lincheck.invocations", 300))
                .threads(3).actorsPerThread(3).actorsBefore(2).actorsAfter(2)
                .sequentialSpecification(Fifo.class)
                .check(OpenQueueLincheckTest.class);
    }

    /** What the open queue must behave as. */
    public static class Fifo {
        private final ArrayDeque<Integer> items = new ArrayDeque<>();

        public void offer(int v) {
            items.addLast(v);
        }

        public Integer take() {
            return items.pollFirst();
        }

        public Integer peek() {
            return items.peekFirst();
        }

        public boolean cancel(int v) {
            return items.removeFirstOccurrence(v);
        }
    }
}
