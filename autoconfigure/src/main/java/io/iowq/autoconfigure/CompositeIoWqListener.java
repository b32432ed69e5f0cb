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

    private void each(Consumer<IoWqListener> event) {
        RuntimeException first = null;
        for (IoWqListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
