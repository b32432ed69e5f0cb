package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One item of work and its future: the seed's {@code struct io_wq_work}.
 * <p>
 * An item is described before it is submitted ({@link #hashed(Object)}, {@link #unbound()},
 * {@link #concurrent()}, {@link #noCancel()}, {@link #link(Work)}, {@link #describedAs(String)}); once
 * the pool has accepted it, it is immutable but for its state, and those methods throw.
 * <p>
 * Its state moves once from {@code PENDING} through {@code RUNNING} to exactly one of
 * {@code COMPLETED}, {@code FAILED} or {@code CANCELLED} (or straight from {@code PENDING} to
 * {@code CANCELLED}), by compare-and-set, so every accepted item ends exactly once. Submission
 * and a cancel of a never-submitted item also decide by compare-and-set on the state, so an item
 * is either accepted by a pool (and its end counted there) or ended outside every pool, never both.
 * An item is submitted once: one that a pool took back at shutdown after queuing it (refused) can be
 * run by hand or cancelled, but not submitted again.
 *
 * @param <V> the result type
 */
public final class Work<V> implements RunnableFuture<V> {

    /** Where an item is in its life. */
    public enum State {
        /** Accepted (or not yet submitted) and not started. */
        PENDING,
        /** A worker is running it. */
        RUNNING,
        /** It returned normally. */
        COMPLETED,
        /** It threw. */
        FAILED,
        /** It was cancelled: removed before it ran, interrupted, or a link behind a failed item. */
        CANCELLED;

        /** Whether this state is final. */
        public boolean isDone() {
            return ordinal() >= COMPLETED.ordinal();
        }
    }

    private static final State[] STATES = State.values();

    // The state field: a State's ordinal plus BASE, or one of the values below.
    /** Never submitted (or a submission refused it): the field's default. */
    private static final int UNSUBMITTED = 0;
    /** Held by a submission while it gives the item to a pool; a cancel waits it out. */
    private static final int CLAIMED = 1;
    private static final int BASE = 2;
    private static final int PENDING = State.PENDING.ordinal() + BASE;
    private static final int RUNNING = State.RUNNING.ordinal() + BASE;
    private static final int CANCELLED = State.CANCELLED.ordinal() + BASE;
    /**
     * Held by the canceller of an item run by hand ({@link #run()}) while it interrupts the runner, as
     * {@code FutureTask}'s INTERRUPTING: the runner does not return before the interrupt is sent.
     */
    private static final int ENDING = -1;
    private static final VarHandle STATE = Fields.of(MethodHandles.lookup(), "state", int.class);
    private static final VarHandle CALLBACKS = Fields.of(MethodHandles.lookup(), "callbacks", Callback.class);
    private static final Callback FIRED = new Callback(null, null);

    // The description's yes-or-no parts, in one byte.
    /** {@link #task} is a {@link Runnable}, not a {@link Callable}. */
    private static final byte RUNNABLE = 1;
    /** In {@link WorkClass#UNBOUND}. */
    private static final byte UNBOUND = 1 << 1;
    private static final byte CONCURRENT = 1 << 2;
    private static final byte NO_CANCEL = 1 << 3;
    /** Submitted by {@code execute}: a failure goes to the worker's uncaught-exception handler. */
    private static final byte REPORT_UNCAUGHT = 1 << 4;

    /** A {@link Callable}, or a {@link Runnable} (flag {@link #RUNNABLE}; held as is: no adapter per item). */
    private final Object task;
    private byte flags;
    private Object key;
    private String description;
    private Work<?> next;

    // Set once when the pool accepts the item, under the lock of the account it is queued in.
    long id;
    IoWq pool;
    ContextHook.Snapshot context = ContextHook.Snapshot.EMPTY;
    long acceptedNanos;

    // Guarded by the lock of the account the item waits in.
    /** The account it was last queued in (a link may be queued in another than its head's). */
    Account account;
    /** Its key's chain, for hashed work. */
    KeyChain chain;
    /** Its neighbours in a {@link WorkList}, and the list it is in ({@code null} when in none). */
    Work<?> prev;
    Work<?> nextQueued;
    WorkList list;

    /** The worker that runs it, written before its start (whose volatile write publishes it), for {@code Future.cancel}. */
    Worker worker;
    /** When it started, if times are recorded; written before its worker publishes it as current. */
    volatile long startNanos;
    /** The thread that runs it by hand ({@link #run()}), for a cancel to interrupt. */
    private volatile Thread runner;

    private volatile int state;
    private Object outcome;
    private volatile Callback callbacks;
    private volatile boolean waiters;

    private Work(Object task, byte flags) {
        this.task = Objects.requireNonNull(task, "task");
        this.flags = flags;
    }

    /** An item that calls {@code task}. */
    public static <V> Work<V> of(Callable<V> task) {
        return new Work<>(task, (byte) 0);
    }

    /** An item that runs {@code task}; its result is {@code null}. */
    public static Work<Object> of(Runnable task) {
        return new Work<>(task, RUNNABLE);
    }

    // ---------------------------------------------------------------- description, before submission

    /**
     * Makes this item hashed on {@code key} (the seed's {@code io_wq_hash_work}, with exact keys):
     * items of the same class with equal keys never run at once and run in submission order. Keys
     * are compared with {@code equals}; a key used for both bound and unbound work is two keys.
     */
    public Work<V> hashed(Object key) {
        checkNotAccepted();
        this.key = Objects.requireNonNull(key, "key");
        return this;
    }

    /** Puts this item in the unbound class: it may block without bound ({@code IO_WQ_WORK_UNBOUND}). */
    public Work<V> unbound() {
        return in(WorkClass.UNBOUND);
    }

    /** Puts this item in {@code workClass}. */
    public Work<V> in(WorkClass workClass) {
        checkNotAccepted();
        Objects.requireNonNull(workClass, "workClass");
        return flag(UNBOUND, workClass == WorkClass.UNBOUND);
    }

    /** Submitting this item always wakes a worker, whatever the running count ({@code IO_WQ_WORK_CONCURRENT}). */
    public Work<V> concurrent() {
        checkNotAccepted();
        return flag(CONCURRENT, true);
    }

    /** Once running, this item is never interrupted by a cancellation ({@code IO_WQ_WORK_NO_CANCEL}). */
    public Work<V> noCancel() {
        checkNotAccepted();
        return flag(NO_CANCEL, true);
    }

    /** Names this item in stats and logs (by default, the task's {@code toString()}). */
    public Work<V> describedAs(String description) {
        checkNotAccepted();
        this.description = description;
        return this;
    }

    /**
     * Links {@code next} behind this item (the seed's linked work): it is accepted with this item,
     * runs when this item completes normally (on the same worker unless it is hashed or of another
     * class), and is cancelled if this item fails or is cancelled. Returns {@code next}, so chains read
     * left to right: {@code a.link(b).link(c)}.
     */
    public <T> Work<T> link(Work<T> next) {
        checkNotAccepted();
        Objects.requireNonNull(next, "next");
        if (this.next != null) {
            throw new IllegalStateException("item already has a link");
        }
        for (Work<?> w = next; w != null; w = w.next) {
            if (w == this) {
                throw new IllegalArgumentException("link would make a cycle");
            }
            w.checkNotAccepted();
        }
        this.next = next;
        return next;
    }

    private Work<V> flag(byte flag, boolean on) {
        flags = (byte) (on ? flags | flag : flags & ~flag);
        return this;
    }

    private boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    /** Has a failure of this item reported to the worker's uncaught-exception handler ({@code execute}). */
    void reportUncaught() {
        flag(REPORT_UNCAUGHT, true);
    }

    boolean reportsUncaught() {
        return has(REPORT_UNCAUGHT);
    }

    private void checkNotAccepted() {
        String why = whyNotSubmittable();
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    // ---------------------------------------------------------------- what the pool and operators read

    /** The id given at acceptance (0 before): unique within the pool, increasing in acceptance order. */
    public long id() {
        return id;
    }

    /** The hash key, or {@code null} for unhashed work. */
    public Object key() {
        return key;
    }

    /** Whether this item is hashed. */
    public boolean isHashed() {
        return key != null;
    }

    /** The class of this item. */
    public WorkClass workClass() {
        return has(UNBOUND) ? WorkClass.UNBOUND : WorkClass.BOUND;
    }

    /** Whether submitting it always wakes a worker. */
    public boolean isConcurrent() {
        return has(CONCURRENT);
    }

    /** Whether a running cancellation leaves it alone. */
    public boolean isNoCancel() {
        return has(NO_CANCEL);
    }

    /** The next item of its link chain, or {@code null}. */
    public Work<?> next() {
        return next;
    }

    /** The description given, else the task's {@code toString()}. */
    public String description() {
        if (description != null) {
            return description;
        }
        return String.valueOf(task);
    }

    /** The current state ({@code PENDING} before the item is submitted, and while it is being submitted). */
    public State state() {
        int s;
        for (int attempt = 0; (s = state) == ENDING; attempt++) {
            Backoff.pause(attempt);
        }
        return s < BASE ? State.PENDING : STATES[s - BASE];
    }

    /** The exception an item that {@code FAILED} threw, else {@code null}. */
    public Throwable failure() {
        return state() == State.FAILED ? (Throwable) outcome : null;
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

    @Override
    public String toString() {
        return "Work[id=" + id + (key != null ? ", key=" + key : "") + ", " + workClass().tag() + ", "
                + state() + ", " + description() + "]";
    }

    // ---------------------------------------------------------------- Future

    /**
     * Cancels this item: a pending item is removed from its pool and ends cancelled; a running one
     * ends cancelled and, if {@code mayInterruptIfRunning} and it is not {@code NO_CANCEL}, the thread
     * running it is interrupted (a pool's worker, or the thread that {@linkplain #run() runs it by
     * hand}, as {@code FutureTask} does). Returns whether this call cancelled it.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        for (int attempt = 0; ; attempt++) {
            int s = state;
            if (s == CLAIMED || s == ENDING) {
                Backoff.pause(attempt); // a submission is giving it to a pool, or a cancel interrupts
                continue;
            }
            IoWq in = pool; // seen: the state read followed the acceptance's release
            if (in != null) {
                return in.cancelOne(this, mayInterruptIfRunning);
            }
            if (s == UNSUBMITTED) {
                // Ends outside every pool: the submission's claim and this compare-and-set decide.
                if (STATE.compareAndSet(this, s, CANCELLED)) {
                    endedOutsideAPool();
                    return true;
                }
            } else if (s == RUNNING) {
                return cancelRunByHand(mayInterruptIfRunning);
            } else {
                return false; // ended
            }
        }
    }

    private boolean cancelRunByHand(boolean mayInterrupt) {
        if (!mayInterrupt || isNoCancel()) {
            if (!STATE.compareAndSet(this, RUNNING, CANCELLED)) {
                return false;
            }
        } else {
            if (!STATE.compareAndSet(this, RUNNING, ENDING)) {
                return false;
            }
            Thread t = runner;
            if (t != null) {
                t.interrupt();
            }
            state = CANCELLED;
        }
        endedOutsideAPool();
        return true;
    }

    private void endedOutsideAPool() {
        wakeWaiters();
        fireCallbacks();
    }

    @Override
    public boolean isCancelled() {
        return state() == State.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state().isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            awaitDone(0L, false);
        }
        return report();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!isDone() && !awaitDone(unit.toNanos(timeout), true)) {
            throw new TimeoutException("work " + id + " not done after " + timeout + " " + unit);
        }
        return report();
    }

    @SuppressWarnings("unchecked")
    private V report() throws ExecutionException {
        State s = state();
        if (s == State.COMPLETED) {
            return (V) outcome;
        }
        if (s == State.CANCELLED) {
            throw new CancellationException("work " + id + " was cancelled");
        }
        throw new ExecutionException((Throwable) outcome);
    }

    private boolean awaitDone(long nanos, boolean timed) throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        synchronized (this) {
            waiters = true;
            while (!isDone()) {
                if (!timed) {
                    wait();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /**
     * Runs this item in the calling thread if it was never submitted to a pool; otherwise does nothing
     * (a pool runs its items on its workers). A cancel meanwhile interrupts this thread, as
     * {@code FutureTask} does, and the item ends cancelled whatever the task does.
     */
    @Override
    public void run() {
        if (!STATE.compareAndSet(this, UNSUBMITTED, RUNNING)) {
            return;
        }
        runner = Thread.currentThread();
        try {
            end(State.RUNNING, State.COMPLETED, call());
        } catch (Throwable t) {
            end(State.RUNNING, State.FAILED, t);
        } finally {
            runner = null;
        }
        if (state == ENDING || state == CANCELLED) {
            awaitEnd(); // a cancel won: it fires the callbacks once its interrupt is sent
            return;
        }
        fireCallbacks();
    }

    // ---------------------------------------------------------------- the pool's side

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
    boolean end(State expected, State to, Object result) {
        if (to != State.CANCELLED) {
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

    /** Returns once a cancel's interrupt of a hand-run item, if one is being sent, has been. */
    private void awaitEnd() {
        state();
    }

    /** After the end is published: a {@code get} that raised {@link #waiters} before it looked is woken. */
    private void wakeWaiters() {
        if (waiters) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Runs the task; what it returns or throws is the outcome. */
    Object call() throws Exception {
        if (has(RUNNABLE)) {
            ((Runnable) task).run();
            return null;
        }
        return ((Callable<?>) task).call();
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

    /** Gives a claimed item to its pool, pending; the release publishes the fields set here. */
    void accept(IoWq pool, long id, ContextHook.Snapshot context, long now) {
        this.pool = pool;
        this.id = id;
        this.context = context;
        this.acceptedNanos = now;
        STATE.setRelease(this, PENDING);
    }

    /** Why this item cannot be submitted, or {@code null} if it can (a look, not a claim). */
    String whyNotSubmittable() {
        int s = state;
        if (s == UNSUBMITTED) {
            return null;
        }
        if (s == CLAIMED) {
            return "work " + description() + " is being submitted";
        }
        if (pool != null) {
            return "work " + id + " was already submitted";
        }
        return s == RUNNING ? "work " + description() + " is running (run by hand)"
                : "work " + description() + " has already ended (" + state() + ")";
    }

    private record Callback(Runnable action, Callback next) {
    }
}
