package io.iowq.core;

/**
 * Carries the submitter's context to the worker: the seed's identity switch
 * ({@code io_impersonate_work} at the start of an item, {@code __io_worker_unuse} after it).
 * <p>
 * {@link #capture()} runs in the submitting thread when an item is accepted; the worker calls
 * {@link Snapshot#install()} right before the item and {@link Scope#close()} right after it, so
 * nothing of one item's context is visible to the next.
 */
@FunctionalInterface
public interface ContextHook {

    /** A hook that carries nothing. */
    ContextHook NONE = () -> Snapshot.EMPTY;

    /** Captures the calling thread's context. Called in the submitting thread. */
    Snapshot capture();

    /** A captured context. */
    @FunctionalInterface
    interface Snapshot {

        /** A snapshot that installs nothing. */
        Snapshot EMPTY = () -> Scope.NOOP;

        /** Installs the context in the calling (worker) thread; the scope restores what was there. */
        Scope install();
    }

    /** An installed context; closing it restores the worker's own. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {

        /** A scope that restores nothing. */
        Scope NOOP = () -> { };

        @Override
        void close();

        /**
         * The pool took the worker in this scope's item as blocked (the seed's
         * {@code io_wq_worker_sleeping}): told by the task ({@link Blocking}, on the worker's thread) or
         * observed (on the pool's manager thread). Called outside every lock of the pool, while the item
         * runs, at most once per block; what it throws is counted as a hook failure. By default nothing.
         */
        default void blocked(boolean observed) {
        }
    }
}
