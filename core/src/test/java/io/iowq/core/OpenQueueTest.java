package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The open queue's single-threaded behaviour; {@link OpenQueueLincheckTest} checks it under races. */
class OpenQueueTest {

    private final OpenQueue queue = new OpenQueue();

    @Test
    void itemsLeaveInTheOrderTheyCameSkippingThoseCancelledInPlace() {
        List<Work<?>> items = offer(5);
        items.get(1).end(Work.State.PENDING, Work.State.CANCELLED, null);
        items.get(3).end(Work.State.PENDING, Work.State.CANCELLED, null);

        assertThat(queue.sizeUpTo(Integer.MAX_VALUE)).isEqualTo(3);
        assertThat(queue.sizeUpTo(2)).isEqualTo(2);
        List<Work<?>> listed = new ArrayList<>();
        queue.forEach(listed::add);
        assertThat(listed).containsExactly(items.get(0), items.get(2), items.get(4));
        assertThat(queue.peek()).isSameAs(items.get(0));
        assertThat(queue.poll()).isSameAs(items.get(0));
        assertThat(queue.poll()).isSameAs(items.get(2));
        items.get(4).end(Work.State.PENDING, Work.State.CANCELLED, null);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
    }

    /** An item whose future is kept must not keep the items queued after it alive (a leak per kept future). */
    @Test
    void anItemThatLeftHoldsNoLaterItem() {
        List<Work<?>> items = offer(3);
        assertThat(queue.poll()).isSameAs(items.get(0));
        assertThat(items.get(0).queueNext()).as("still the head node").isSameAs(items.get(1));
        assertThat(queue.poll()).isSameAs(items.get(1));
        assertThat(items.get(0).queueNext()).as("left: linked to itself").isSameAs(items.get(0));
        // A cancelled item dropped by a look is let go the same way.
        items.get(2).end(Work.State.PENDING, Work.State.CANCELLED, null);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(items.get(1).queueNext()).isSameAs(items.get(1));
        queue.offer(pending("late"));
        assertThat(queue.poll().description()).isEqualTo("late");
    }

    private List<Work<?>> offer(int n) {
        List<Work<?>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Work<?> item = pending("item " + i);
            queue.offer(item);
            items.add(item);
        }
        return items;
    }

    private static Work<?> pending(String name) {
        Work<?> item = Work.of(() -> null).describedAs(name);
        item.claim();
        item.publishPending();
        return item;
    }
}
