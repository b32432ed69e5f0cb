package io.iowq.autoconfigure;

import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import java.util.List;
import java.util.function.Consumer;

/** Tells every listener bean each event; one that throws does not keep it from the others. */
final class CompositeIoWqListener implements IoWqListener {

    private final List<IoWqListener> listeners;

    private CompositeIoWqListener(List<IoWqListener> listeners) {
        this.listeners = listeners;
    }

    /** One listener for {@code listeners}. */
    static IoWqListener of(List<IoWqListener> listeners) {
        return switch (listeners.size()) {
            case 0 -> IoWqListener.NONE;
            case 1 -> listeners.get(0);
            default -> new CompositeIoWqListener(List.copyOf(listeners));
        };
    }

    @Override
    public void workEnded(Work<?> work, long waitNanos, long runNanos) {
        each(l -> l.workEnded(work, waitNanos, runNanos));
    }

    @Override
    public void workRejected(Work<?> work) {
        each(l -> l.workRejected(work));
    }

    @Override
    public void workerCreationFailed(WorkClass workClass, Throwable cause) {
        each(l -> l.workerCreationFailed(workClass, cause));
    }

    /**
     * Tells every listener, whatever the others throw (an {@code Error} too, say a linkage error from
     * a meter registry built against another Micrometer), then throws the first failure for the
     * engine to count.
     */
    private void each(Consumer<IoWqListener> event) {
        Throwable first = null;
        for (IoWqListener l : listeners) {
            try {
                event.accept(l);
            } catch (Throwable e) {
                first = first == null ? e : first;
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new IllegalStateException(first); // a checked exception, thrown sneakily by a listener
        }
    }
}
