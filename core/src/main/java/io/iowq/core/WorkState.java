package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The state word of a {@link Work} and what hangs on it: the outcome, the threads waiting in
 * {@code get}, and the {@code whenDone} callbacks. Every transition of the word is a method here
 * (or a compare-and-set in {@link Work#cancel} and {@link Work#run}), so the ways an item is
 * claimed, started and ended read in one place.
 *
 * @param <V> the result type
 */
abstract class WorkState<V> implements Future<V> {

    static final Work.State[] STATES = Work.State.values();

    // The state field: a State's ordinal plus BASE, or one of the values below.
    /** Never submitted (or a submission refused it): the field's default. */
    static final int UNSUBMITTED = 0;
    /** Held by a submission while it gives the item to a pool; a cancel waits it out. */
    static final int CLAIMED = 1;
    static final int BASE = 2;
    static final int PENDING = Work.State.PENDING.ordinal() + BASE;
    static final int RUNNING = Work.State.RUNNING.ordinal() + BASE;
    static final int CANCELLED = Work.State.CANCELLED.ordinal() + BASE;
    /**
     * Held by the canceller of an item run by hand ({@link Work#run()}) while it interrupts the runner,
     * as {@code FutureTask}'s INTERRUPTING: the runner does not return before the interrupt is sent.
     */
    static final int ENDING = -1;
    static final VarHandle STATE = Fields.of(MethodHandles.lookup(), "state", int.class);
    private static final VarHandle CALLBACKS = Fields.of(MethodHandles.lookup(), "callbacks", Callback.class);
    private static final Callback FIRED = new Callback(null, null);
    private static final VarHandle WAITERS = Fields.of(MethodHandles.lookup(), "waiters", Waiter.class);
    private static final Waiter WOKEN = new Waiter(null, null);

    volatile int state;
    private Object outcome;
    private volatile Callback callbacks;
    /** Threads parked in {@code get}, newest first ({@code FutureTask}'s wait stack); {@link #WOKEN} once the end woke them. */
    private volatile Waiter waiters;

    /** The item's id, for messages. */
    abstract long id();

    /** The current state ({@code PENDING} before the item is submitted, and while it is being submitted). */
    public Work.State state() {
        int s;
        for (int attempt = 0; (s = state) == ENDING; attempt++) {
            Backoff.pause(attempt);
        }
        return s < BASE ? Work.State.PENDING : STATES[s - BASE];
    }

    /** The exception an item that {@code FAILED} threw, else {@code null}. */
    public Throwable failure() {
        return state() == Work.State.FAILED ? (Throwable) outcome : null;
    }

    /** Runs {@code action} once this item has ended (at once if it has). */
    public void whenDone(Runnable action) {
        Objects.requireNonNull(action, "action");
        for (;;) {
            Callback head = callbacks;
            if (head == FIRED) {
                action.run();
                return;
            }
            if (CALLBACKS.compareAndSet(this, head, new Callback(action, head))) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- Future

    @Override
    public boolean isCancelled() {
        return state() == Work.State.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state().isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
        awaitDone(0L, false);
        return report();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!awaitDone(unit.toNanos(timeout), true)) {
            throw new TimeoutException("work " + id() + " not done after " + timeout + " " + unit);
        }
        return report();
    }

    @SuppressWarnings("unchecked")
    private V report() throws ExecutionException {
        Work.State s = state();
        if (s == Work.State.COMPLETED) {
            return (V) outcome;
        }
        if (s == Work.State.CANCELLED) {
            throw new CancellationException("work " + id() + " was cancelled");
        }
        throw new ExecutionException((Throwable) outcome);
    }

    /**
     * Waits until the item is done, or {@code nanos} if {@code timed}; returns whether it is done.
     * The waiter parks: the thread that ends the item only unparks, and never waits for a caller.
     * A timed-out waiter's node stays until the end (one per thread while it is the newest).
     */
    private boolean awaitDone(long nanos, boolean timed) throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        boolean queued = false;
        while (!isDone()) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            long left = deadline - System.nanoTime();
            if (timed && left <= 0) {
                return false;
            }
            if (!queued) {
                queued = enqueueWaiter(); // then looks at the state again before it parks
            } else if (timed) {
                LockSupport.parkNanos(this, left);
            } else {
                LockSupport.park(this);
            }
        }
        return true;
    }

    /** Pushes the calling thread on the wait stack, unless it is the newest there; {@code false} if the end came first or a push raced. */
    private boolean enqueueWaiter() {
        Waiter head = waiters;
        return head != WOKEN && ((head != null && head.thread == Thread.currentThread())
                || WAITERS.compareAndSet(this, head, new Waiter(Thread.currentThread(), head)));
    }

    // ---------------------------------------------------------------- transitions

    /** Accepted by a pool and not started. */
    boolean isPending() {
        return state == PENDING;
    }

    /** Moves PENDING to RUNNING; fails if the item was cancelled meanwhile. */
    boolean start() {
        return STATE.compareAndSet(this, PENDING, RUNNING);
    }

    /**
     * The only way an item ends in a pool: from {@code expected} to the final {@code to}. Returns
     * whether this call ended it; the caller that gets {@code true} owns the accounting of that end.
     */
    boolean end(Work.State expected, Work.State to, Object result) {
        if (to != Work.State.CANCELLED) {
            // Only the thread that runs an item ends it otherwise than cancelled; if a cancel won
            // instead, this write is never read (a cancelled item has no outcome).
            outcome = result;
        }
        if (!STATE.compareAndSet(this, expected.ordinal() + BASE, to.ordinal() + BASE)) {
            return false;
        }
        wakeWaiters();
        return true;
    }

    /** Ended outside every pool (never submitted, or run by hand): wakes the waiters and runs the callbacks. */
    void endedOutsideAPool() {
        wakeWaiters();
        fireCallbacks();
    }

    /** After the end is published: every thread in {@code get} that pushed itself before it looked is woken. */
    private void wakeWaiters() {
        Waiter head = waiters == null ? null : (Waiter) WAITERS.getAndSet(this, WOKEN);
        for (Waiter w = head; w != null && w != WOKEN; w = w.next) {
            LockSupport.unpark(w.thread);
        }
    }

    /**
     * Runs the {@link #whenDone} actions; called once, after the end, outside every pool lock, by the
     * thread that ended the item, after the end is counted and the listener told.
     */
    void fireCallbacks() {
        Callback head = (Callback) CALLBACKS.getAndSet(this, FIRED);
        for (Callback c = head; c != null && c != FIRED; c = c.next) {
            try {
                c.action.run();
            } catch (Throwable ignored) {
                // A callback must not stop the others or the worker.
            }
        }
    }

    /** Takes a never-submitted item for a submission; fails if it was cancelled, run or submitted. */
    boolean claim() {
        return STATE.compareAndSet(this, UNSUBMITTED, CLAIMED);
    }

    /** Gives a {@link #claim claimed} item back, never submitted (refused). */
    void unclaim() {
        STATE.setRelease(this, UNSUBMITTED);
    }

    private record Waiter(Thread thread, Waiter next) {
    }

    private record Callback(Runnable action, Callback next) {
    }
}
