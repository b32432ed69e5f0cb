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
        setNextOf(tail, w);
        tail = w;
        size++;
    }

    /** Puts {@code w} where {@code old} is, and takes {@code old} out. */
    void replace(Work<?> old, Work<?> w) {
        w.list = this;
        w.prev = old.prev;
        w.nextQueued = old.nextQueued;
        setNextOf(old.prev, w);
        setPrevOf(old.nextQueued, w);
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
        setNextOf(w.prev, w.nextQueued);
        setPrevOf(w.nextQueued, w.prev);
        size--;
        forget(w);
    }

    /** Makes {@code w} the item after {@code prev}, or the head if {@code prev} is null. */
    private void setNextOf(Work<?> prev, Work<?> w) {
        if (prev == null) {
            head = w;
        } else {
            prev.nextQueued = w;
        }
    }

    /** Makes {@code w} the item before {@code next}, or the tail if {@code next} is null. */
    private void setPrevOf(Work<?> next, Work<?> w) {
        if (next == null) {
            tail = w;
        } else {
            next.prev = w;
        }
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
