package io.iowq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RunnableFuture;

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
 * An item is submitted once; one a pool refused (shut down, queue full, thread limit) was never
 * accepted, and may be submitted again, run by hand or cancelled.
 *
 * @param <V> the result type
 */
public final class Work<V> extends WorkState<V> implements RunnableFuture<V> {

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
    /** When it started, if times are recorded; written with {@code current}, under the account's lock. */
    long startNanos;
    /** The thread that runs it by hand ({@link #run()}), for a cancel to interrupt. */
    private volatile Thread runner;

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
        Objects.requireNonNull(workClass, "workClass");
        return flag(UNBOUND, workClass == WorkClass.UNBOUND);
    }

    /** Submitting this item always wakes a worker, whatever the running count ({@code IO_WQ_WORK_CONCURRENT}). */
    public Work<V> concurrent() {
        return flag(CONCURRENT, true);
    }

    /** Once running, this item is never interrupted by a cancellation ({@code IO_WQ_WORK_NO_CANCEL}). */
    public Work<V> noCancel() {
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

    /** Sets or clears {@code flag}; the item must not be accepted yet. */
    private Work<V> flag(byte flag, boolean on) {
        checkNotAccepted();
        flags = (byte) (on ? flags | flag : flags & ~flag);
        return this;
    }

    private boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    /** Has a failure of this item reported to the worker's uncaught-exception handler ({@code execute}). */
    Work<V> reportUncaught() {
        return flag(REPORT_UNCAUGHT, true);
    }

    boolean reportsUncaught() {
        return has(REPORT_UNCAUGHT);
    }

    /** Claims every link of a chain, or none, and returns how many: a cancel of a never-submitted link and its submission cannot both win. */
    static int claimChain(Work<?> head) {
        int n = 0;
        for (Work<?> w = head; w != null; w = w.next, n++) {
            if (!w.claim()) {
                unclaimChain(head, n);
                w.checkNotAccepted();
                throw new IllegalStateException("work " + w.description() + " changed while it was submitted");
            }
        }
        return n;
    }

    /** Gives the first {@code n} links of a chain back, never submitted. */
    static void unclaimChain(Work<?> head, int n) {
        Work<?> w = head;
        for (int i = 0; i < n; i++, w = w.next) {
            w.unclaim();
        }
    }

    /** Throws {@link IllegalStateException} saying why a link of the chain cannot be submitted, if one cannot. */
    static void checkChain(Work<?> head) {
        for (Work<?> w = head; w != null; w = w.next) {
            w.checkNotAccepted();
        }
    }

    /** Throws {@link IllegalStateException} saying why this item cannot be submitted, if it cannot (a look, not a claim). */
    void checkNotAccepted() {
        int s = state;
        if (s != UNSUBMITTED) {
            throw new IllegalStateException(s == CLAIMED ? "work " + description() + " is being submitted"
                    : pool != null ? "work " + id + " was already submitted"
                    : s == RUNNING ? "work " + description() + " is running (run by hand)"
                    : "work " + description() + " has already ended (" + state() + ")");
        }
    }

    // ---------------------------------------------------------------- what the pool and operators read

    /** The id given at acceptance (0 before): unique within the pool, increasing in acceptance order. */
    @Override
    public long id() {
        return id;
    }

    /** The hash key, or {@code null} for unhashed work. */
    public Object key() {
        return key;
    }

    /** The seed's {@code io_wq_is_hashed}: Whether this item is hashed. */
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
        return description != null ? description : String.valueOf(task);
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
        boolean interrupt = mayInterrupt && !isNoCancel();
        if (!STATE.compareAndSet(this, RUNNING, interrupt ? ENDING : CANCELLED)) {
            return false;
        }
        if (interrupt) {
            Thread t = runner;
            if (t != null) {
                t.interrupt();
            }
            state = CANCELLED;
        }
        endedOutsideAPool();
        return true;
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
            state(); // a cancel won: this returns once its interrupt is sent, and it fires the callbacks
            return;
        }
        fireCallbacks();
    }

    // ---------------------------------------------------------------- the pool's side

    /** Runs the task; what it returns or throws is the outcome. */
    Object call() throws Exception {
        if (has(RUNNABLE)) {
            ((Runnable) task).run();
            return null;
        }
        return ((Callable<?>) task).call();
    }

    /**
     * Accepts this claimed item and its links into the pool, under the lock of {@code account}, where
     * it is queued: ids in acceptance order, then pending, the last link first, so a cancel of a link
     * (which cancels those behind it) never finds one still claimed.
     */
    void acceptChain(Account account, ContextHook.Snapshot context) {
        assert account.lock.isHeldByCurrentThread();
        IoWq pool = account.pool;
        if (next == null) {
            long id = pool.events.ids.incrementAndGet();
            accept(pool, id, context, pool.stamp(id));
            return;
        }
        List<Work<?>> chain = new ArrayList<>();
        for (Work<?> w = this; w != null; w = w.next) {
            chain.add(w);
        }
        long id = pool.events.ids.getAndAdd(chain.size()) + 1;
        for (int i = chain.size() - 1; i >= 0; i--) {
            chain.get(i).accept(pool, id + i, context, pool.stamp(id + i));
        }
    }

    /** Gives a claimed item to its pool, pending; the release publishes the fields set here. */
    private void accept(IoWq pool, long id, ContextHook.Snapshot context, long now) {
        this.pool = pool;
        this.id = id;
        this.context = context;
        this.acceptedNanos = now;
        STATE.setRelease(this, PENDING);
    }
}
