package io.iowq.core;

/**
 * Receives the pool's events, for meters and logs. Called on the thread where the event happens
 * (a worker, or a submitter for a refusal), outside every lock of the pool. A listener that throws
 * is ignored: it can never break the pool.
 */
public interface IoWqListener {

    /** A listener that does nothing. */
    IoWqListener NONE = new IoWqListener() { };

    /**
     * An accepted item ended.
     *
     * @param work      the item
     * @param waitNanos time from acceptance to start (0 if it never started)
     * @param runNanos  time from start to end (0 if it never started)
     */
    default void workEnded(Work<?> work, long waitNanos, long runNanos) {
    }

    /** An item was refused at submission. */
    default void workRejected(Work<?> work) {
    }

    /** A worker thread could not be created; the pool will try again. */
    default void workerCreationFailed(WorkClass workClass, Throwable cause) {
    }
}
