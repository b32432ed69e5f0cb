package io.iowq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Function;

/**
 * The Linux kernel's io_uring worker pool (io-wq, {@code fs/io-wq.c}) in Java: threads created only
 * when work needs them and let go when it does not, a pool that grows when work blocks and stays at
 * the CPU count when it does not, exact-key serialized work, linked work, and cancellation of any
 * pending or running item. The seed's {@code struct io_wq}.
 * <p>
 * A pool has one {@link Account} per {@link WorkClass} (the seed's {@code io_wqe_acct}, one of each
 * for the whole pool, as io-wq has since Linux 6.4 dropped its per-node {@code io_wqe}): its lock,
 * its {@link WorkQueue} and its {@link Worker}s. Cancellation is {@link Cancel}'s, worker creation
 * {@link WorkerCreation}'s, counters and listener calls {@link Events}', and the {@link Manager}
 * retries failed creations and samples busy workers for blocking. The invariants the pool keeps,
 * and which code keeps each, are in {@code docs/architecture.md}.
 * <p>
 * The run state and the count of what may still add or end work are one word ({@link #ctl}), as
 * {@code ThreadPoolExecutor}'s: the pool terminates, once, when it is shut down, nothing is queued,
 * no worker is left (counted from its reservation to its exit) and no cancel is still publishing
 * what it ended.
 */
public final class IoWq extends AbstractExecutorService {

    private static final int STATE_SHIFT = 60;
    private static final long BUSY_MASK = (1L << STATE_SHIFT) - 1;
    private static final long RUNNING = 0;
    private static final long SHUTDOWN = 1;
    private static final long STOP = 2;
    private static final long TERMINATED = 3;

    final IoWqConfig config;
    final boolean recordTimes;
    /** The accounts, by {@link WorkClass} ordinal. */
    private final Account[] accounts = new Account[2];
    private final Manager manager;
    private final Cancel cancel = new Cancel(this);
    /** The run state (top bits) and the busy count: workers and cancels in progress. */
    private final AtomicLong ctl = new AtomicLong();
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** Links queued into another account than the one whose worker ran their predecessor ({@link Cancel}). */
    final AtomicLong linksHandedOver = new AtomicLong();
    final Events events;
    /** Stamps items when times are recorded ({@link CoarseClock}); the manager advances it. */
    final CoarseClock clock = new CoarseClock();

    /**
     * Creates the pool and its first bound worker (the seed's {@code io_wq_create}).
     *
     * @throws IllegalStateException if a first worker cannot be created; nothing is left running
     */
    public IoWq(IoWqConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.recordTimes = config.recordTimes();
        this.events = new Events(config.listener(), recordTimes);
        for (WorkClass c : WorkClass.values()) {
            accounts[c.ordinal()] = new Account(this, c, config);
        }
        this.manager = new Manager(this);
        manager.start();
        try {
            Account bound = account(WorkClass.BOUND);
            bound.creation.startFirst(bound.reserveFirstWorker());
        } catch (RuntimeException e) {
            shutdownNow();
            manager.stop();
            throw e;
        }
    }

    /** A pool with the default configuration. */
    public IoWq() {
        this(IoWqConfig.defaults());
    }

    /** This pool's configuration (limits as built; see {@link #stats()} for the current ones). */
    public IoWqConfig config() {
        return config;
    }

    // ------------------------------------------------------------------ submission (io_wq_enqueue)

    /**
     * Queues {@code work} and its links (the seed's {@code io_wq_enqueue}): it is accepted, captures
     * the submitter's context, and will end exactly once. Returns {@code work}, which is its future.
     * While the pool shuts down, an item submitted by one of its own running items is still accepted
     * (as running work links more in the seed), any other is refused.
     *
     * @throws RejectedExecutionException if the pool is shut down, the item's class is at its queue
     *                                    capacity, or it is unbound, needs a new worker and the process
     *                                    is at its thread limit; counted, and the listener told
     * @throws IllegalStateException      if the item or a link was already submitted, or has ended
     */
    public <V> Work<V> enqueue(Work<V> work) {
        Objects.requireNonNull(work, "work");
        Work.checkChain(work);
        ContextHook.Snapshot context = config.contextHook().capture();
        Account account = account(work.workClass());
        FlightEvents.Queued queued = FlightEvents.queuing();
        int n = Work.claimChain(work);
        String refusal;
        try {
            refusal = account.enqueue(work, context, false);
        } catch (RuntimeException | Error e) { // the key's hashCode or equals threw: nothing was queued
            Work.unclaimChain(work, n);
            throw e;
        }
        if (refusal != null) {
            Work.unclaimChain(work, n);
            events.rejected(work);
            throw new RejectedExecutionException(refusal + ": refused " + work.description());
        }
        FlightEvents.queued(queued, work);
        return work;
    }

    /** Runs {@code command} as an item; a {@link Work} (what {@code submit} makes, through {@link #newTaskFor}) is queued as is. */
    @Override
    public void execute(Runnable command) {
        Work<?> work = command instanceof Work<?> w ? w : Work.of(command).reportUncaught();
        enqueue(work);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable task, T result) {
        return Work.of(Executors.callable(task, result)).describedAs(String.valueOf(task));
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> task) {
        return Work.of(task);
    }

    /** The seed's {@code io_work_get_acct}: the account of a class. */
    Account account(WorkClass workClass) {
        return accounts[workClass.ordinal()];
    }

    /** When the item {@code id} is accepted or starts, if times are recorded ({@link CoarseClock}), else 0. */
    long stamp(long id) {
        return recordTimes ? clock.stamp(id, manager.thread()) : 0;
    }

    /** Whether the pool refuses a submission from {@code submitter} (a worker of the calling thread, or {@code null}). */
    boolean refuses(Worker submitter) {
        long s = runState(ctl.get());
        return s >= STOP || (s == SHUTDOWN && (submitter == null || submitter.account.pool != this));
    }

    // ------------------------------------------------------------------ cancellation (io_wq_cancel_cb)

    /**
     * Cancels the items that {@code match} selects (the seed's {@code io_wq_cancel_cb}): pending ones
     * are removed and end cancelled ({@code OK}); running ones end cancelled and their workers are
     * interrupted unless they are {@code NO_CANCEL} ({@code RUNNING}). Pending items are looked at in
     * both classes before running ones; without {@code all}, it stops at the first item found. The
     * predicate runs in the calling thread, outside every lock of the pool; if it throws, the
     * exception is passed on and what was cancelled before stays cancelled.
     */
    public Cancellation cancel(Predicate<Work<?>> match, boolean all) {
        Objects.requireNonNull(match, "match");
        return cancelling(ended -> cancel.cancel(match, all, ended));
    }

    /** Cancels the item with this id. */
    public CancelResult cancel(long id) {
        return cancel(w -> w.id() == id, false).result();
    }

    /** Cancels every pending and running item of this key. */
    public Cancellation cancelKey(Object key) {
        Objects.requireNonNull(key, "key");
        return cancel(w -> key.equals(w.key()), true);
    }

    /** Cancels every pending and running item (the seed's {@code io_wq_cancel_all}). */
    public Cancellation cancelAll() {
        return cancel(w -> true, true);
    }

    /** {@code Future.cancel} of one item of this pool. */
    boolean cancelOne(Work<?> work, boolean mayInterrupt) {
        return cancelling(ended -> cancel.cancelOne(work, mayInterrupt, ended));
    }

    /** Cancels what waits in an account that cannot get a worker ({@link WorkerCreation}). */
    void cancelStranded(Account account) {
        cancelling(ended -> cancel.cancelPendingAndInterrupt(account, false, ended));
    }

    /**
     * Runs a cancel counted busy, so the pool cannot terminate while it publishes what it ended: the
     * items it adds to the list, published when it returns or throws.
     */
    private <T> T cancelling(Function<List<Work<?>>, T> action) {
        List<Work<?>> ended = new ArrayList<>();
        ctl.incrementAndGet();
        try {
            return action.apply(ended);
        } finally {
            events.publishCancelled(ended);
            ctl.decrementAndGet();
            tryTerminate();
        }
    }

    void workerReserved() {
        ctl.incrementAndGet();
    }

    void workerGone() {
        ctl.decrementAndGet();
    }

    // ------------------------------------------------------------------ shutdown (io_wq_destroy)

    /**
     * Refuses new work but what the pool's own running items submit; workers drain what is queued,
     * then exit. Idle workers exit at once when nothing is queued, so an idle pool terminates here.
     */
    @Override
    public void shutdown() {
        advanceState(SHUTDOWN);
        forEachAccount(Account::shutdown);
        tryTerminate();
        awaitTerminationInProgress();
    }

    /**
     * If another thread is terminating the pool (its last worker, exiting), waits until it is done:
     * the manager thread's end is the termination's last act (it counts the latch down first).
     */
    private void awaitTerminationInProgress() {
        if (runState(ctl.get()) == TERMINATED) {
            manager.stopAndJoin(); // returns at once on the manager's own thread
        }
    }

    /**
     * Refuses new work, cancels everything pending and interrupts every running item but
     * {@code NO_CANCEL} ones, which keep their own outcome, as in the JDK's executors. Returns the
     * pending items it cancelled: each a {@link Work}, ended cancelled, for reporting by id and key.
     */
    @Override
    public List<Runnable> shutdownNow() {
        advanceState(STOP);
        List<Runnable> cancelledWork = cancelling(ended -> {
            List<Runnable> pending = cancel.cancelPendingAndInterrupt(null, true, ended);
            forEachAccount(Account::shutdown);
            return pending;
        });
        awaitTerminationInProgress();
        return cancelledWork;
    }

    private void forEachAccount(Consumer<Account> action) {
        for (Account a : accounts) {
            action.accept(a);
        }
    }

    private void advanceState(long target) {
        for (long c; runState(c = ctl.get()) < target; ) {
            if (ctl.compareAndSet(c, (target << STATE_SHIFT) | (c & BUSY_MASK))) {
                return;
            }
        }
    }

    private static long runState(long c) {
        return c >>> STATE_SHIFT;
    }

    @Override
    public boolean isShutdown() {
        return runState(ctl.get()) >= SHUTDOWN;
    }

    boolean isStopped() {
        return runState(ctl.get()) >= STOP;
    }

    /** Whether the pool has terminated: no work, no worker, and its manager thread has ended. */
    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0 && !manager.thread().isAlive();
    }

    /** Waits until the pool terminates; true exactly when {@link #isTerminated()} is. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!terminated.await(timeout, unit)) {
            return false;
        }
        TimeUnit.NANOSECONDS.timedJoin(manager.thread(), Math.max(1, deadline - System.nanoTime()));
        return isTerminated();
    }

    /** The manager thread ends: if the pool terminated, this is its last act. */
    void managerEnded() {
        if (runState(ctl.get()) == TERMINATED) {
            terminated.countDown();
        }
    }

    /**
     * The seed's {@code __io_wq_destroy}: terminates once the pool is shut down, nothing is busy (no worker, no cancel in progress) and
     * nothing is queued. Called on every path that ends a worker, a cancel or the last queued item;
     * never with an account lock held. Nothing can be queued once nothing is busy after shutdown
     * (only the pool's own workers may submit then), so a look at the queues that sees them empty
     * with the word unchanged before and after it decides.
     */
    void tryTerminate() {
        for (;;) {
            long c = ctl.get();
            if (runState(c) == RUNNING || runState(c) == TERMINATED || (c & BUSY_MASK) != 0) {
                return;
            }
            for (Account a : accounts) {
                if (a.locked(() -> a.queue.pending() > 0)) {
                    return;
                }
            }
            if (ctl.compareAndSet(c, TERMINATED << STATE_SHIFT)) {
                manager.stopAndJoin(); // the manager thread counts the latch down as it ends
                return;
            }
        }
    }

    // ------------------------------------------------------------------ operations

    /**
     * Changes the most workers of {@code workClass} at run time (the later kernels'
     * {@code IORING_REGISTER_IOWQ_MAX_WORKERS}). Shrinking lets extra workers exit as they go idle;
     * the concurrency target is capped at the new maximum.
     */
    public void setMaxWorkers(WorkClass workClass, int maxWorkers) {
        if (maxWorkers < 1) {
            throw new IllegalArgumentException(workClass.tag() + " maxWorkers must be at least 1, was " + maxWorkers);
        }
        account(workClass).resize(maxWorkers);
    }

    /** A snapshot of the pool's figures; ends are read before submissions, so they never add up to more. */
    public IoWqStats stats() {
        return events.stats(account(WorkClass.BOUND).stats(), account(WorkClass.UNBOUND).stats());
    }

    /** The items waiting to run, oldest first per class. */
    public List<WorkInfo> pendingWork() {
        return WorkInfo.pendingIn(this);
    }

    /** The items running now, with their workers' stacks if {@code withStacks}. */
    public List<WorkInfo> runningWork(boolean withStacks) {
        return WorkInfo.runningIn(this, withStacks);
    }

    /** Failures of context hooks and listeners, which the pool survived. */
    public long hookFailures() {
        return events.hookFailures.sum();
    }

    /** The live worker threads and the manager thread (for leak checks). */
    public List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        forEachAccount(a -> threads.addAll(a.threads()));
        if (manager.thread().isAlive()) {
            threads.add(manager.thread());
        }
        return threads;
    }

    /** Sample rounds the manager has made looking for blocked workers. */
    public long blockingSamples() {
        return manager.samples();
    }

    Manager manager() {
        return manager;
    }

    /** The accounts, bound first. */
    Account[] accounts() {
        return accounts;
    }

    @Override
    public String toString() {
        IoWqStats s = stats();
        return "IoWq[" + (isTerminated() ? "terminated" : isShutdown() ? "shutting down" : "running")
                + ", bounded " + s.bounded().workers() + "/" + s.bounded().maxWorkers()
                + ", unbounded " + s.unbounded().workers() + "/" + s.unbounded().maxWorkers()
                + ", pending " + s.pending() + "]";
    }
}
