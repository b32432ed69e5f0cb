package io.iowq.core;

/**
 * Receives the pool's events, for meters and logs. Called on the thread where the event happens
 * (a worker, or a submitter for a refusal), outside every lock of the pool. A listener that throws
 * is ignored: it can never break the pool.
 */
public interface IoWqListener {

    /** A listener that does nothing. */
    IoWqListener NONE = new IoWqListener() { };

    /** The wait and run times of an item that is not timed. */
    long NOT_TIMED = -1;

    /**
     * An accepted item ended. Its times are told for a sample of the items: one in 16, by id, when
     * the pool {@linkplain IoWqConfig#recordTimes() records times} (counting every item costs no
     * clock read; timing one costs three).
     *
     * @param work      the item
     * @param waitNanos time from acceptance to start, or {@link #NOT_TIMED} if the item is not in the
     *                  sample or never started
     * @param runNanos  time from start to end, or {@link #NOT_TIMED} likewise
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
