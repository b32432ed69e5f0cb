package io.iowq.core;

/**
 * One worker thread: the seed's {@code struct io_worker} and its {@code io_wqe_worker} loop. The
 * flags mirror the seed's {@code IO_WORKER_F_*}; all are guarded by the account's lock but
 * {@link #thread}, written before the thread starts, and the fields of the manager and of the
 * worker's own thread, marked so.
 */
final class Worker implements Runnable {

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

    final Account account;
    final String name;
    volatile Thread thread;

    // Guarded by account.lock.
    /** On the free list (the seed's {@code IO_WORKER_F_FREE}); not counted running. */
    boolean free;
    /** In work and known to be blocked, so not counted running: told by {@link Blocking}, or observed. */
    boolean blocked;
    /** Blocked because the manager observed it, not because the task said so. */
    boolean observedBlocked;
    /** Off the worker list: its thread exits without touching the account again. */
    boolean retired;
    /** The item it runs, findable by cancel (the seed's {@code cur_work}); volatile for the pool's stats. */
    volatile Work<?> current;
    /** The key it owns, and how many of the items that waited for the key when it took it are still to run. */
    KeyChain chain;
    int budget;
    /** The item the manager saw it in at its last look; dropped when it leaves the item. */
    Work<?> sampleWork;

    // Touched only by this worker's own thread.
    private int blockingDepth;
    /** The link of the item just run, to run next on this worker (held here, not in a local of a frame that parks). */
    Work<?> link;

    // Touched only by the manager thread.
    /** The id of the item it was in at the manager's previous sample (an id, so no ended item stays reachable). */
    long sampledId;
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

    /** The seed's {@code io_wqe_worker}: take, run (with the links that run here), until told to exit. */
    @Override
    public void run() {
        CURRENT.set(this);
        try {
            Work<?> work = account.next(this, false);
            while (work != null) {
                link = account.pool.execute(this, work);
                work = null; // no frame of an idle worker keeps the last item reachable
                work = account.next(this, true);
            }
        } finally {
            CURRENT.remove();
            account.workerExited(this);
        }
    }

    /** Entering a blocking call ({@link Blocking}); nested calls count once. */
    void beginBlocking() {
        if (blockingDepth++ == 0) {
            account.blocked(this, null, false);
        }
    }

    /** Leaving a blocking call. */
    void endBlocking() {
        if (--blockingDepth == 0) {
            account.unblocked(this, null, false);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
