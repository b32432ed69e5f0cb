package io.iowq.core;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the pool counts and tells: the counters behind {@link IoWqStats} and the calls to its
 * {@link IoWqListener}. Called outside every lock; a listener's failure is counted, never passed on.
 */
final class Events {

    private final IoWqListener listener;
    private final boolean recordTimes;
    /** The last id given at acceptance: the count of items accepted. */
    final AtomicLong ids = new AtomicLong();
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder creationFailures = new LongAdder();
    final LongAdder hookFailures = new LongAdder();

    Events(IoWqListener listener, boolean recordTimes) {
        this.listener = listener;
        this.recordTimes = recordTimes;
    }

    /** Counts, tells and calls back each item a cancel ended, outside every lock. */
    void publishCancelled(List<Work<?>> ended) {
        for (Work<?> w : ended) {
            cancelled.increment();
            FlightEvents.cancelled(w);
            tellEnded(w, w.startNanos);
        }
    }

    /**
     * Tells the listener and then the item's callbacks that an item that started at {@code start}
     * (0: never) ended, with its times if it is {@link CoarseClock#timed timed}.
     */
    void tellEnded(Work<?> work, long start) {
        boolean timed = recordTimes && start != 0 && CoarseClock.timed(work.id);
        try { // not through callUserCode: this runs for every item, where a capturing lambda allocates
            listener.workEnded(work, timed ? start - work.acceptedNanos : IoWqListener.NOT_TIMED,
                    timed ? System.nanoTime() - start : IoWqListener.NOT_TIMED);
        } catch (Throwable t) {
            hookFailures.increment();
        }
        work.fireCallbacks();
    }

    /** Tells an item's installed context that its worker was taken as blocked ({@link ContextHook.Scope#blocked}). */
    void blocked(ContextHook.Scope installed, boolean observed) {
        callUserCode(() -> installed.blocked(observed));
    }

    void rejected(Work<?> work) {
        rejected.increment();
        callUserCode(() -> listener.workRejected(work));
    }

    void workerCreationFailed(Account account, Throwable cause) {
        creationFailures.increment();
        callUserCode(() -> listener.workerCreationFailed(account.workClass, cause));
    }

    /** Calls the listener or a context hook; what it throws is counted as a hook failure. */
    private void callUserCode(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            hookFailures.increment();
        }
    }

    /** The pool's figures from its classes' totals; ends are read before submissions, so they never add up to more. */
    IoWqStats stats(IoWqStats.ClassStats b, IoWqStats.ClassStats u) {
        long c = completed.sum();
        long f = failed.sum();
        long x = cancelled.sum();
        return new IoWqStats(b, u, b.pending() + u.pending(), b.activeKeys() + u.activeKeys(),
                ids.get(), c, f, x, rejected.sum(), creationFailures.sum());
    }
}
