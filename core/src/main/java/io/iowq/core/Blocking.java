package io.iowq.core;

import java.util.concurrent.Callable;

/**
 * The managed-blocking helper (the idea of {@code ForkJoinPool.ManagedBlocker}): a task wraps a
 * blocking call in it so that its worker counts as blocked, not running, for the call's duration.
 * This is the "told" half of the seed's {@code io_wq_worker_sleeping} / {@code io_wq_worker_running}:
 * when the running count drops below the class's concurrency target while work waits, another
 * worker is woken or created. Outside an iowq worker the call simply runs.
 */
public final class Blocking {

    private Blocking() {
    }

    /** A call that may block and throw. */
    @FunctionalInterface
    public interface BlockingRunnable<E extends Exception> {
        /** Runs the call. */
        void run() throws E;
    }

    /** Calls {@code call}, marking the current worker blocked meanwhile. */
    public static <T> T call(Callable<T> call) throws Exception {
        Worker w = Worker.beginBlocking();
        try {
            return call.call();
        } finally {
            Worker.endBlocking(w);
        }
    }

    /** Runs {@code call}, marking the current worker blocked meanwhile. */
    public static <E extends Exception> void run(BlockingRunnable<E> call) throws E {
        Worker w = Worker.beginBlocking();
        try {
            call.run();
        } finally {
            Worker.endBlocking(w);
        }
    }

    /** Whether the calling thread is an iowq worker. */
    public static boolean inWorker() {
        return Worker.current() != null;
    }
}
