package io.iowq.core;

import java.util.List;

/**
 * A FIFO of items linked through the items themselves (the seed's {@code io_wq_work_list}), so that
 * an item cancelled in the middle leaves in constant time and a list holds nothing of an item that
 * left it. Guarded by the lock of the account that owns the list.
 */
final class WorkList {

    private Work<?> head;
    private Work<?> tail;
    private int size;

    /** The seed's {@code wq_list_empty}. */
    boolean isEmpty() {
        return head == null;
    }

    int size() {
        return size;
    }

    Work<?> peek() {
        return head;
    }

    /** Appends {@code w} (the seed's {@code wq_list_add_tail}). */
    void add(Work<?> w) {
        w.list = this;
        w.prev = tail;
        if (tail == null) {
            head = w;
        } else {
            tail.nextQueued = w;
        }
        tail = w;
        size++;
    }

    /** Puts {@code w} where {@code old} is, and takes {@code old} out. */
    void replace(Work<?> old, Work<?> w) {
        w.list = this;
        w.prev = old.prev;
        w.nextQueued = old.nextQueued;
        if (old.prev == null) {
            head = w;
        } else {
            old.prev.nextQueued = w;
        }
        if (old.nextQueued == null) {
            tail = w;
        } else {
            old.nextQueued.prev = w;
        }
        forget(old);
    }

    /** Takes the first item out, or returns {@code null}. */
    Work<?> poll() {
        Work<?> w = head;
        if (w != null) {
            remove(w);
        }
        return w;
    }

    /** The seed's {@code wq_list_del}: Takes {@code w} out of this list, which holds it. */
    void remove(Work<?> w) {
        if (w.prev == null) {
            head = w.nextQueued;
        } else {
            w.prev.nextQueued = w.nextQueued;
        }
        if (w.nextQueued == null) {
            tail = w.prev;
        } else {
            w.nextQueued.prev = w.prev;
        }
        size--;
        forget(w);
    }

    private static void forget(Work<?> w) {
        w.prev = null;
        w.nextQueued = null;
        w.list = null;
    }

    /** The seed's {@code wq_list_for_each}: Adds every item, in order, to {@code into}. */
    void copyTo(List<Work<?>> into) {
        for (Work<?> w = head; w != null; w = w.nextQueued) {
            into.add(w);
        }
    }
}
