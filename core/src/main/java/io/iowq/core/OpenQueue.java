package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An account's open queue: its runnable unhashed items in acceptance order, lock-free for any number
 * of submitters and workers. The items are the queue's own nodes (each {@link Work} has a
 * {@code queueNext} field), so queuing allocates nothing: a Michael–Scott queue, with
 * {@code ConcurrentLinkedQueue}'s lazy tail and self-linked dead nodes.
 * <p>
 * Invariants:
 * <ol>
 * <li>{@code head} is a node already taken (or the initial dummy): the items waiting are the nodes
 *     after it. A node leaves by the compare-and-set that moves {@code head} onto it, which only
 *     one thread wins; the node that was {@code head} then links to itself, so an item held
 *     elsewhere (its future) keeps no later item alive, and a reader that meets a self-link knows
 *     it fell off the queue and starts again from {@code head}.</li>
 * <li>A node is linked once in its life: only an item never queued before is offered. An item is
 *     queued once by its pool's account; one taken back at shutdown is refused for good
 *     ({@link Work#refuse}) and never submitted again, so its node, which may still be linked here,
 *     is never linked into another queue.</li>
 * <li>The queue does not decide who runs an item: a worker runs what it takes only if it wins the
 *     item's start (PENDING to RUNNING). A cancel ends a queued item in place (PENDING to
 *     CANCELLED) without unlinking it; takers drop the items that are no longer pending as they
 *     reach them, so {@link #isEmpty} and {@link #peek} look only at pending items.</li>
 * </ol>
 */
final class OpenQueue implements Iterable<Work<?>> {

    private static final VarHandle ENDS = MethodHandles.arrayElementVarHandle(Work[].class);
    /**
     * Where {@link #ends} holds the head and the tail: 128 bytes apart, and from the array's ends, at
     * four bytes a reference (more with uncompressed references).
     */
    private static final int HEAD = 32;
    private static final int TAIL = 2 * HEAD;

    /**
     * The head and the tail, each alone on its cache lines (and their prefetched neighbours): workers
     * move the head and submitters the tail, each on every item, and in one line every move would
     * take the line from the other side. An array, as in {@link Ids}: its elements keep their order,
     * where HotSpot lays out an object's fields as it likes. The tail is the last node, or one near
     * it: {@link #offer} moves it at most every other node.
     */
    private final Work<?>[] ends = new Work<?>[TAIL + HEAD + 1];

    OpenQueue() {
        Work<?> dummy = Work.of(() -> { }).describedAs("open queue head");
        ENDS.setRelease(ends, HEAD, dummy);
        ENDS.setRelease(ends, TAIL, dummy);
    }

    private Work<?> head() {
        return (Work<?>) ENDS.getVolatile(ends, HEAD);
    }

    private Work<?> tail() {
        return (Work<?>) ENDS.getVolatile(ends, TAIL);
    }

    /** Adds an item that was never queued before (from the tail, as {@code ConcurrentLinkedQueue.offer}). */
    void offer(Work<?> item) {
        for (Work<?> t = tail(), p = t; ; ) {
            Work<?> q = p.queueNext();
            if (q == null) {
                if (p.linkQueueNext(item)) { // the item is queued
                    if (p != t) {
                        ENDS.weakCompareAndSet(ends, TAIL, t, item); // two hops behind at most; failure is fine
                    }
                    return;
                }
                // another submitter linked first: read p's next again
            } else if (p == q) {
                p = (t != (t = tail())) ? t : head(); // fell off the queue: back on from the tail or the head
            } else {
                p = (p != t && t != (t = tail())) ? t : q;
            }
        }
    }

    /** Takes the oldest pending item off the queue (dropping ended ones before it), or {@code null}. */
    Work<?> poll() {
        for (Work<?> n; (n = takeFirst()) != null; ) {
            if (n.isPending()) {
                return n;
            }
        }
        return null;
    }

    /** The oldest pending item, left in the queue (ended ones before it are dropped), or {@code null}. */
    Work<?> peek() {
        for (;;) {
            Work<?> h = head();
            Work<?> n = h.queueNext();
            if (n == null) {
                return null;
            }
            if (n == h) {
                continue; // h left meanwhile: read head again
            }
            if (n.isPending()) {
                return n;
            }
            moveHead(h, n); // drop the ended item
        }
    }

    /** Whether no pending item is queued. */
    boolean isEmpty() {
        return peek() == null;
    }

    /** Takes the first node off the queue, whatever its item's state, or {@code null} if none. */
    private Work<?> takeFirst() {
        for (;;) {
            Work<?> h = head();
            Work<?> n = h.queueNext();
            if (n == null) {
                return null;
            }
            if (n != h && moveHead(h, n)) { // n == h: h left meanwhile; read head again
                return n;
            }
        }
    }

    /**
     * Moves {@code head} from {@code h} to its next node {@code n}, which thereby leaves the queue; if
     * this call did it, {@code h} links to itself (invariant 1). Returns whether it did.
     */
    private boolean moveHead(Work<?> h, Work<?> n) {
        if (!ENDS.compareAndSet(ends, HEAD, h, n)) {
            return false;
        }
        h.selfLinkQueueNext();
        return true;
    }

    /** How many pending items are queued, counting no further than {@code limit}. */
    int sizeUpTo(int limit) {
        int n = 0;
        for (Iterator<Work<?>> it = iterator(); n < limit && it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }

    /**
     * The pending items, oldest first, weakly consistent (as {@code ConcurrentLinkedQueue}'s): an item
     * may be taken or end after it was returned. Each next item is looked for only when asked, from
     * the last one returned, so an item added meanwhile is seen. It removes nothing: a cancel ends
     * the item in place.
     */
    @Override
    public Iterator<Work<?>> iterator() {
        return new Iterator<>() {
            /** The item last returned, or {@code null} before the first. */
            private Work<?> last;
            /** The item found by {@link #hasNext} and not yet returned. */
            private Work<?> next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = pendingFrom(last == null ? first() : successor(last));
                }
                return next != null;
            }

            @Override
            public Work<?> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                last = next;
                next = null;
                return last;
            }
        };
    }

    /** The first node after {@code head}, or {@code null}. */
    private Work<?> first() {
        for (;;) {
            Work<?> h = head();
            Work<?> n = h.queueNext();
            if (n != h) {
                return n;
            }
        }
    }

    /** The node after {@code p}; if {@code p} has left the queue, the first node. */
    private Work<?> successor(Work<?> p) {
        Work<?> q = p.queueNext();
        return q == p ? first() : q;
    }

    private Work<?> pendingFrom(Work<?> p) {
        while (p != null && !p.isPending()) {
            p = successor(p);
        }
        return p;
    }
}
