package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker thread: the seed's {@code struct io_worker} and {@code io_wqe_worker} loop.
 * <p>
 * The flags below mirror the seed's {@code IO_WORKER_F_*} and are guarded by the account's lock,
 * with three exceptions that the worker writes without it while it takes open work (see
 * {@link Account}): {@link #current}, {@link #taking}, and the clearing of {@link #blocked}'s
 * effect, which it asks the lock for. {@link #thread} is written before the thread starts.
 */
final class Worker implements Runnable {

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();
    private static final VarHandle COMPLETED = Fields.of(MethodHandles.lookup(), "completedItems", long.class);
    private static final VarHandle FAILED = Fields.of(MethodHandles.lookup(), "failedItems", long.class);
    private static final VarHandle CURRENT_WORK = Fields.of(MethodHandles.lookup(), "current", Work.class);
    private static final VarHandle TAKING = Fields.of(MethodHandles.lookup(), "taking", boolean.class);

    final Account account;
    final String name;
    volatile Thread thread;

    // Guarded by account.lock.
    /** On the free list (the seed's {@code IO_WORKER_F_FREE}). */
    boolean free;
    /** Counted in {@code account.running} (the seed's {@code IO_WORKER_F_RUNNING}). */
    boolean running;
    /**
     * Woken or created, and not yet looked at the queues (see {@code Account.waking}). Written under
     * the lock; the worker also reads it without the lock, which is safe: only its own writes, or
     * one made before its thread started or was woken, can be seen there.
     */
    boolean waking;
    /** Inside work and known to be blocked: told by {@link Blocking}, or observed by the manager. */
    volatile boolean blocked;
    /** Blocked because the manager observed it, not because the task said so. */
    boolean observedBlocked;
    /** The item being run, findable by cancel (the seed's {@code cur_work}). */
    volatile Work<?> current;
    /** Between taking an item from the open queue and setting {@link #current} (the seed's {@code next_work}). */
    volatile boolean taking;
    /** The key chain this worker owns, and how many of its waiting items it may still run. */
    KeyChain chain;
    int budget;

    // Touched only by this worker's own thread.
    private int blockingDepth;

    /**
     * Items this worker ended by running them, counted here rather than in counters that all workers
     * and submitters share (a shared counter costs every hand-off a contended cache line). Written by
     * this worker only; summed by {@link Account#countRunEnds}.
     */
    volatile long completedItems;
    volatile long failedItems;

    /** When its last item ended, if times are recorded and it has not idled since: the next one's start. */
    long endOfLastItem;

    /** Standing by while another worker keeps up ({@code Account.standBy}); written under the lock. */
    boolean standing;
    /** The pool's issued ids when it last looked while standing by: what waited then must be gone at the next look; under the lock. */
    long standingSawIssued;
    /**
     * When it took its current item, if the item is one of those timed (one in four, by id) and
     * another worker was active then, else 0: an item that ran shorter than
     * {@code Account.SHORT_ITEM_NANOS} beside another worker may let this one stand by.
     */
    long tookAt;
    /** How long its last item ran, when measured (see {@code tookAt}); the pace a standby is judged by. */
    long lastItemNanos;
    /** When its last timed item ended: the time a standby it may start is judged at. */
    long finishedAt;
    /** For a model checker only ({@code Account.stepWithoutThread}): its last turn ended standing by. */
    boolean modelStandingBy;

    /** The item the manager saw this worker in at its last look (written under the lock). */
    Work<?> sampleWork;

    // Touched only by the manager thread.
    Work<?> sampledWork;
    long sampledCpuNanos;
    int waitingSamples;

    Worker(Account account, String name) {
        this.account = account;
        this.name = name;
    }

    /** The worker running in the calling thread, or {@code null}. */
    static Worker current() {
        return CURRENT.get();
    }

    @Override
    public void run() {
        CURRENT.set(this);
        Work<?> finished = null;
        Work<?> link = null;
        try {
            account.workerStarted(this);
            for (;;) {
                Work<?> work = account.next(this, finished, link);
                if (work == null) {
                    return;
                }
                link = account.pool.execute(this, work);
                finished = work;
            }
        } finally {
            CURRENT.remove();
            account.workerExited(this);
        }
    }

    /**
     * The start time of {@code next}, which this worker takes now: the end of the item it just
     * finished if {@code next} was already waiting then (one clock read per item instead of two),
     * else the clock.
     */
    long startClock(Work<?> next) {
        long t = endOfLastItem;
        endOfLastItem = 0;
        return t != 0 && next.acceptedNanos - t <= 0 ? t : System.nanoTime();
    }

    /**
     * The hand-off from the open queue, on this worker's own thread, with the cheapest stores that
     * keep cancel's view right (see {@code Account.takeOpen}): {@code taking} is raised by an opaque
     * store before the poll's CAS, which publishes it to a canceller that sees the item gone (no fence
     * of its own is needed: nothing that this thread reads next depends on it); {@code current}, then the
     * lowered {@code taking}, are release stores, so a canceller that reads {@code taking} lowered also
     * sees {@code current}. (Leaving an item, {@code current = null} stays a full volatile store: the
     * manager's {@code observedBlocked} relies on it, Dekker-style.)
     */
    void beginTaking() {
        TAKING.setOpaque(this, true);
    }

    void took(Work<?> work) {
        CURRENT_WORK.setRelease(this, work);
    }

    void endTaking() {
        TAKING.setRelease(this, false);
    }

    /** Counts an item this worker ran and ended ({@code COMPLETED} or {@code FAILED}). */
    void countRunEnd(Work.State end) {
        if (end == Work.State.COMPLETED) {
            COMPLETED.setRelease(this, completedItems + 1);
        } else {
            FAILED.setRelease(this, failedItems + 1);
        }
    }

    /** Entering a blocking call ({@link Blocking}); nested calls count once. */
    void beginBlocking() {
        if (blockingDepth++ == 0) {
            account.workerBlocked(this);
        }
    }

    /** Leaving a blocking call. */
    void endBlocking() {
        if (--blockingDepth == 0) {
            account.workerUnblocked(this);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
