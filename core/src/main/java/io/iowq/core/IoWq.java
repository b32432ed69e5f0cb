package io.iowq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The Linux kernel's io_uring worker pool (io-wq, {@code fs/io-wq.c}) in Java: threads created only
 * when work needs them and let go when it does not, a pool that grows when work blocks and stays at
 * the CPU count when it does not, exact-key serialized work, linked work, and cancellation of any
 * pending or running item.
 *
 * <h2>Structure</h2>
 * A pool has {@link IoWqConfig#nodes() nodes} ({@link Node}, the seed's {@code io_wqe}); each node
 * has one {@link Account} per {@link WorkClass} (the seed's {@code io_wqe_acct}, split as in Linux
 * 5.15), and each account its own lock, run queue, key chains, free list and {@link Worker}s.
 * A submission goes to the account of its class on the node of its key (hashed work) or the node
 * chosen stably for the submitting thread (other work). A key is therefore held by exactly one
 * account: keys are exact within a class, and the same key used in both classes is two keys.
 *
 * <h2>Invariants</h2>
 * <ol>
 * <li><b>One lock per account, and one lock-free queue.</b> An account's run queue (key heads),
 *     key chains, free list, worker list, {@code running}, {@code waking}, {@code pending},
 *     {@code maxWorkers} and its workers' {@code free}, {@code running}, {@code waking},
 *     {@code chain} flags are written only under its lock. Unhashed work waits in the account's
 *     open queue, which is lock-free: a submitter of bound work adds to it without the lock
 *     (unbound work, which may need a worker it cannot have at the thread limit, is queued under
 *     the lock), and a worker that owns no key while no key head waits takes from it without the
 *     lock, setting its own {@code current}. No code holds two account locks at once, and no user
 *     code (tasks, context hooks, listeners, callbacks, thread factories) runs under any of them:
 *     what a critical section decides to start or publish is done after it drops the lock
 *     ({@code Account.unlock}).</li>
 * <li><b>No lost wake-up.</b> A worker decides to park (goes on the free list) under the same
 *     lock under which a submitter of key work queues it and decides to wake or create. For open
 *     work the two sides meet Dekker-style: the submitter adds the item, then reads
 *     {@code running}, and takes the lock to wake a worker only if fewer than the target run; a worker
 *     going idle lowers {@code running} and, if fewer than the target now run, looks at the open
 *     queue again and stays if it is not empty (while at least the target run, the last of them to
 *     drop below it looks). A worker retiring while the pool runs wakes another if fewer than the
 *     target are left. One of the two sides always sees the other. A woken worker is taken off the
 *     free list and counted running by the waker, inside the lock, so two submitters can never pick
 *     the same worker and a burst cannot wake more workers than it needs.</li>
 * <li><b>A wake is passed on.</b> A woken or created worker is <i>on its way</i> ({@code waking})
 *     until it looks at the queues, which it first does under the lock. While one is on its way, a
 *     submitter of open work wakes nobody; the worker clears its mark, then takes, and if work still
 *     waits while fewer than the target run it wakes the next (Dekker-style again: the submitter
 *     adds, then reads the mark; the worker clears the mark, then looks). So runnable work never
 *     waits while fewer than the target run, a worker could be had, and none is on its way; and a
 *     burst costs its submitter one wake, not one per worker. Wakes are unparked after the lock is
 *     dropped, so the woken thread does not run into the lock its waker still holds.</li>
 * <li><b>{@code running}</b> counts the workers that are in work and not blocked, on their way to
 *     take work, or standing by. It rises when a worker is created (before its thread starts),
 *     activated from the free list, or unblocked; it falls when a worker parks, blocks (told by {@link Blocking} or
 *     observed by the {@link Manager}) or exits. A submission wakes or creates a worker only while
 *     {@code running < concurrency} (or the item is {@code CONCURRENT}), so CPU-bound work holds the
 *     class near its concurrency target and blocked work lets it grow up to {@code maxWorkers}.</li>
 * <li><b>One worker keeps up with tiny items.</b> A worker that finished an item shorter than
 *     2 µs while another worker was active (one item in four is timed, and only then), and finds
 *     open work waiting that one worker would be through within a standby period (50 µs, at the
 *     pace of that item), <i>stands by</i> instead of taking: still counted running (so no
 *     submitter wakes a worker for the work it leaves), it takes nothing and looks again every
 *     50 µs. It goes on standing only while every item that waited at its last look is gone and
 *     what waits is still that little; else (the active workers are stuck, descheduled or behind)
 *     it takes, and no worker of the account starts standing by for a hold-off of 1 ms. It also
 *     stops standing when nothing waits (it goes idle), no other worker is active, or the pool
 *     shuts down, and is called at once when a worker blocks, a key head is queued or the pool is
 *     resized. So an item that waits at one look is gone by the next or the standing worker takes:
 *     standing by delays an item at most about two standby parks (plus timer slack), and beside
 *     workers that do not keep up at most once per hold-off (a worker stands by only when it owns
 *     no key and no key head waits);
 *     two workers do not take tiny items at once while one keeps up (on two
 *     CPUs that passes every item's cache lines between them and hands over a fraction as much).</li>
 * <li><b>Keys.</b> A {@link KeyChain} exists exactly while its key has work: either its head is in
 *     the run queue and nobody owns it, or one worker owns it and is running one of its items. The
 *     run queue holds only runnable items, so no worker ever scans past blocked hashed work, and two
 *     items of a key can never run at once. An owner runs at most the items that waited when it took
 *     the key, then queues the next one behind the other keys.</li>
 * <li><b>Exactly once.</b> An item's state moves by compare-and-set from PENDING to RUNNING and to
 *     one final state; whoever wins the final transition counts it and publishes it, once. A
 *     submission claims the item (and every link) on the same field before it counts it submitted,
 *     so a cancel of a never-submitted item, which ends it outside every pool, and its acceptance
 *     cannot both win, and two submissions of one item cannot both accept it. An item a pool takes
 *     back at shutdown is refused for good: never pending again, so nothing that looked at it
 *     before can act on it later, and its open-queue node is never linked twice ({@link OpenQueue}).</li>
 * <li><b>Interrupts hit their target.</b> Cancel interrupts a worker only while it holds the end of
 *     the running item it matched (between winning RUNNING to ENDING and publishing CANCELLED). A
 *     worker whose item was ended by someone else waits until that end is published, then clears its
 *     interrupt status, before it takes another item; so an interrupt aimed at one item can never
 *     reach the next.</li>
 * <li><b>Findable.</b> A pending item is always in exactly one of: an open queue, a run queue,
 *     a key chain, the links behind a pending or running item (a link about to run on the worker
 *     that ran its predecessor stays behind it, as {@code current}, until it starts in the same
 *     lock hold), or the hand of a worker taking it from the open queue (its {@code taking} flag,
 *     which cancel waits out). Cancel looks in all of them, then at running items. A queued item is
 *     cancelled by compare-and-set, so if a worker takes it at the same moment exactly one of the
 *     two wins.</li>
 * <li><b>A node never loses its last worker</b> while the pool runs: its last bound worker does not
 *     retire. Shutdown lifts this once the queues are drained.</li>
 * </ol>
 */
public final class IoWq extends AbstractExecutorService {

    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int STOP = 2;
    private static final int TERMINATED = 3;

    final IoWqConfig config;
    /** {@link IoWqConfig#recordTimes()}, read on every hand-off. */
    final boolean recordTimes;
    private final Node[] nodes;
    private final Manager manager;
    private final AtomicInteger state = new AtomicInteger(RUNNING);
    private final CountDownLatch terminated = new CountDownLatch(1);
    /** Ids, one per accepted item: with {@link #unaccepted}, the count of submitted items. */
    private final Ids ids = new Ids();
    /** Links queued into another account than their predecessor's (see {@link #tryTerminate}). */
    private final AtomicLong linksHandedOver = new AtomicLong();
    /** Items that were given an id but then refused (see {@link #unaccept}). */
    private final LongAdder unaccepted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder creationFailures = new LongAdder();
    private final LongAdder hookFailures = new LongAdder();

    /**
     * Creates the pool and its first worker on every node (the seed's {@code io_wq_create}).
     *
     * @throws IllegalStateException if a first worker cannot be created; nothing is left running
     */
    public IoWq(IoWqConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.recordTimes = config.recordTimes();
        this.nodes = new Node[config.nodes()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Node(this, i, config);
        }
        this.manager = new Manager(this);
        manager.start();
        try {
            for (Node node : nodes) {
                node.account(WorkClass.BOUND).startFirstWorker();
            }
        } catch (RuntimeException e) {
            shutdown();
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

    // ------------------------------------------------------------------ submission

    /**
     * Queues {@code work} and its links (the seed's {@code io_wq_enqueue}): it is accepted, captures
     * the submitter's context, and will end exactly once. Returns {@code work}, which is its future.
     *
     * @throws RejectedExecutionException if the pool is shut down, or the item is unbound, needs a
     *                                    new worker and the process is at its thread limit; counted
     * @throws IllegalStateException      if the item was already submitted, or it or a link has already ended
     *                                    (also when that happens while this call runs: nothing is counted)
     */
    public <V> Work<V> enqueue(Work<V> work) {
        Objects.requireNonNull(work, "work");
        // A look first, so a refusal below is not blamed on an item that could never be accepted; the
        // claim in accept decides.
        checkSubmittable(work);
        ContextHook.Snapshot context = config.contextHook().capture();
        Account account = nodeFor(work).account(work.workClass());
        if (!account.enqueue(work, true, context)) {
            rejected.increment();
            notifyListener(() -> config.listener().workRejected(work));
            throw new RejectedExecutionException(isShutdown()
                    ? "iowq is shut down: refused " + work.description()
                    : "iowq: the process is at its thread limit (" + config.threadLimit().limit() + " from "
                            + config.threadLimit().source() + ") and no unbound worker is free or running: refused "
                            + work.description());
        }
        return work;
    }

    @Override
    public void execute(Runnable command) {
        Work<Object> work = Work.of(command);
        work.reportUncaught();
        enqueue(work);
    }

    @Override
    public Future<?> submit(Runnable task) {
        return enqueue(Work.of(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        return enqueue(Work.of(() -> {
            task.run();
            return result;
        }).describedAs(String.valueOf(task)));
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return enqueue(Work.of(task));
    }

    /**
     * The node an item is queued on: for hashed work the node of its key, so that a key lives in one
     * account whichever thread submits it; else the node chosen stably for the submitting thread.
     */
    private Node nodeFor(Work<?> work) {
        if (nodes.length == 1) {
            return nodes[0];
        }
        long spread = work.isHashed() ? work.key().hashCode() * 0x9E3779B9L : Thread.currentThread().getId();
        return nodes[(int) Math.floorMod(spread, (long) nodes.length)];
    }

    /**
     * Claims {@code work} and its links, then gives them ids, which counts them submitted, before they
     * are queued (an item is counted submitted before it can end).
     *
     * @throws IllegalStateException if a link was submitted, run or cancelled meanwhile; nothing is
     *                               counted and every link is left as it was
     */
    void accept(Work<?> work, ContextHook.Snapshot context) {
        int n = claim(work);
        boolean counted = false;
        try {
            long now = recordTimes ? System.nanoTime() : 0;
            // The whole chain's ids (its count) at once, before any link is pending: counted before
            // any of them can end.
            long id = ids.take(n);
            counted = true;
            Work<?> w = work;
            for (int i = 0; i < n; i++, w = w.next()) {
                w.accept(this, id + i, context, now);
            }
        } catch (Throwable t) { // an Error, say: a link left claimed would hold its cancels forever
            if (counted) {
                unaccepted.add(n);
            }
            Work<?> w = work;
            for (int i = 0; i < n; i++, w = w.next()) {
                w.unaccept();
            }
            throw t;
        }
        publishPending(work, n);
    }

    /**
     * Makes the {@code n} accepted links pending, the last first: a link becomes cancellable only once
     * every link behind it is, so a cancel of it (which cancels the links behind it) never finds one
     * of them still claimed and leaves it pending for good.
     */
    private static void publishPending(Work<?> work, int n) {
        if (n == 1) {
            work.publishPending();
            return;
        }
        Work<?>[] links = new Work<?>[n];
        Work<?> w = work;
        for (int i = 0; i < n; i++, w = w.next()) {
            links[i] = w;
        }
        for (int i = n - 1; i >= 0; i--) {
            links[i].publishPending();
        }
    }

    /**
     * Claims every link of a chain, or none, and returns how many were claimed: a cancel of a
     * never-submitted link either comes first (the submission fails, counting nothing) or finds the
     * link accepted and cancels it in this pool. (A link appended meanwhile is not claimed: not accepted.)
     */
    private static int claim(Work<?> work) {
        int n = 0;
        for (Work<?> w = work; w != null; w = w.next(), n++) {
            if (!w.claim()) {
                unclaim(work, n);
                checkSubmittable(w);
                throw new IllegalStateException("work " + w.description() + " changed while it was submitted");
            }
        }
        return n;
    }

    private static void unclaim(Work<?> work, int n) {
        Work<?> w = work;
        for (int i = 0; i < n; i++, w = w.next()) {
            w.unclaim();
        }
    }

    private static void checkSubmittable(Work<?> work) {
        for (Work<?> w = work; w != null; w = w.next()) {
            String why = w.whyNotSubmittable();
            if (why != null) {
                throw new IllegalStateException(why);
            }
        }
    }

    /**
     * Takes back {@link #accept}'s count for an item that was queued but refused after all (shutdown),
     * and makes it and its links refused ({@link Work#refuse}): as never submitted, but not to be
     * submitted again. Returns {@code false}, changing nothing, if a link has started or ended
     * meanwhile (a worker took it, or a cancel reached it): then the chain stays this pool's.
     */
    boolean unaccept(Work<?> work) {
        for (Work<?> w = work; w != null; w = w.next()) {
            if (!w.reclaim()) {
                for (Work<?> v = work; v != w; v = v.next()) {
                    v.unreclaim();
                }
                return false;
            }
        }
        unaccepted.add(chainLength(work));
        for (Work<?> w = work; w != null; w = w.next()) {
            w.refuse();
        }
        return true;
    }

    private static int chainLength(Work<?> work) {
        int n = 0;
        for (Work<?> w = work; w != null; w = w.next()) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ running (io_worker_handle_work)

    /**
     * Runs one item on {@code worker}'s thread with the submitter's context installed, ends it, and
     * returns its link if that link is to run next on the same worker.
     */
    Work<?> execute(Worker worker, Work<?> work) {
        Object outcome;
        Work.State end;
        ContextHook.Scope scope = null;
        try {
            scope = work.context.install();
            outcome = work.call();
            end = Work.State.COMPLETED;
        } catch (Throwable t) {
            outcome = t;
            end = Work.State.FAILED;
        }
        if (scope != null) {
            try {
                scope.close();
            } catch (Throwable t) {
                hookFailures.increment();
            }
        }
        long endNanos = 0;
        if (recordTimes) {
            endNanos = worker.endOfLastItem = System.nanoTime();
        }
        if (work.end(Work.State.RUNNING, end, outcome)) {
            worker.countRunEnd(end);
            tell(work, endNanos);
            if (end == Work.State.FAILED && work.reportsUncaught()) {
                reportUncaught((Throwable) outcome);
            }
        } else {
            // Cancelled while it ran: once that end is published no interrupt aimed at it can come,
            // so clear it now, before the links' cancellation runs their callbacks on this thread.
            work.awaitEnd();
            Thread.interrupted();
        }
        return followLink(worker.account, work);
    }

    /** The seed's linked work: run here, queue, or cancel the rest of the chain. */
    private Work<?> followLink(Account account, Work<?> work) {
        Work<?> link = work.next();
        if (link == null) {
            return null;
        }
        if (work.state() != Work.State.COMPLETED || isStopped()) {
            List<Work<?>> ended = new ArrayList<>();
            cancelChain(link, ended);
            publishAll(ended);
            return null;
        }
        if (!link.isHashed() && link.workClass() == account.workClass) {
            return link;
        }
        Node node = link.isHashed() ? nodeFor(link) : account.node;
        node.account(link.workClass()).enqueue(link, false, null);
        linksHandedOver.incrementAndGet(); // see tryTerminate
        return null;
    }

    private static void reportUncaught(Throwable t) {
        Thread current = Thread.currentThread();
        try {
            current.getUncaughtExceptionHandler().uncaughtException(current, t);
        } catch (Throwable ignored) {
            // the handler itself failed: nothing more to do
        }
    }

    /**
     * Ends {@code work} and every pending item linked behind it as cancelled, adding each one that
     * this call ended to {@code into}. Returns how many it ended.
     */
    int cancelChain(Work<?> work, List<Work<?>> into) {
        int n = 0;
        for (Work<?> w = work; w != null; w = w.next()) {
            if (w.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
                into.add(w);
                n++;
            }
        }
        return n;
    }

    private void publishAll(List<Work<?>> ended) {
        for (Work<?> w : ended) {
            published(w);
        }
    }

    /**
     * Counts the end of an item that no worker ran to its end (cancelled, or run by hand), and tells
     * the listener and its callbacks, outside every pool lock. A worker counts what it ran itself.
     */
    void published(Work<?> work) {
        switch (work.state()) {
            case COMPLETED -> completed.increment();
            case FAILED -> failed.increment();
            default -> cancelled.increment();
        }
        tell(work, 0);
    }

    /** Tells the listener and the item's callbacks that it ended, at {@code endNanos} (0: now, if times are recorded). */
    private void tell(Work<?> work, long endNanos) {
        long wait = 0;
        long run = 0;
        if (recordTimes) {
            long start = work.startNanos();
            long end = endNanos != 0 ? endNanos : System.nanoTime();
            wait = start != 0 ? start - work.acceptedNanos : 0;
            run = start != 0 ? end - start : 0;
        }
        tellWorkEnded(work, wait, run);
        work.fireCallbacks();
    }

    /** {@link #notifyListener}'s guard, written out: this runs for every item, and a lambda would allocate. */
    private void tellWorkEnded(Work<?> work, long waitNanos, long runNanos) {
        try {
            config.listener().workEnded(work, waitNanos, runNanos);
        } catch (Throwable t) {
            hookFailures.increment();
        }
    }

    private void notifyListener(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            hookFailures.increment();
        }
    }

    /** An item waits with no worker woken for it. */
    void workWaiting() {
        manager.workWaiting();
    }

    void workerCreationFailed(Account account, Throwable cause) {
        creationFailures.increment();
        notifyListener(() -> config.listener().workerCreationFailed(account.workClass, cause));
        manager.retryCreation(account);
        tryTerminate();
    }

    // ------------------------------------------------------------------ cancellation (io_wq_cancel_cb)

    /**
     * Cancels the items that {@code match} selects (the seed's {@code io_wq_cancel_cb}): pending ones
     * are removed and end cancelled ({@code OK}); running ones end cancelled and their workers are
     * interrupted unless they are {@code NO_CANCEL} ({@code RUNNING}). Without {@code all}, stops at
     * the first item found.
     */
    public Cancellation cancel(Predicate<Work<?>> match, boolean all) {
        Objects.requireNonNull(match, "match");
        Cancellation result = Cancellation.NONE;
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                result = result.plus(a.cancel(match, all));
                if (!all && result.result() != CancelResult.NOT_FOUND) {
                    return result;
                }
            }
        }
        return result;
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

    /**
     * {@code Future.cancel} of one item of this pool. Returns {@code false} also if the item is no
     * longer this pool's (taken back at shutdown, then refused): the caller looks at it again.
     */
    boolean cancelOne(Work<?> work, boolean mayInterrupt) {
        for (int attempt = 0; work.pool == this; attempt++) {
            Account account = work.account;
            if (account != null && account.cancelOne(work, mayInterrupt)) {
                return true;
            }
            // Not found queued nor running in its account: a link not yet queued, or an item still on
            // its way into the open queue, ends here, with everything behind it.
            if (work.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
                // Still this pool's: an item taken back is refused, never pending again.
                List<Work<?>> ended = new ArrayList<>();
                ended.add(work);
                cancelChain(work.next(), ended);
                publishAll(ended);
                return true;
            }
            // Else it started while this looked (a worker took it between the two looks): look again,
            // as at a running item. One that has ended, or runs and is NO_CANCEL, is not cancelled.
            if (work.state() != Work.State.RUNNING || work.isNoCancel()) {
                return false;
            }
            Backoff.pause(attempt);
        }
        return false;
    }

    // ------------------------------------------------------------------ shutdown (io_wq_destroy)

    /** Refuses new work; workers drain what is queued, then exit. */
    @Override
    public void shutdown() {
        advanceState(SHUTDOWN);
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                a.wakeAllForShutdown();
            }
        }
        tryTerminate();
    }

    /**
     * Refuses new work, cancels everything pending and interrupts everything running (unless
     * {@code NO_CANCEL}). Returns the pending items it cancelled: each element is a {@link Work},
     * already ended as cancelled, for reporting by id, key and description.
     */
    @Override
    public List<Runnable> shutdownNow() {
        advanceState(STOP);
        List<Runnable> cancelledWork = new ArrayList<>();
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                cancelledWork.addAll(a.cancelEverything());
                a.wakeAllForShutdown();
            }
        }
        tryTerminate();
        return cancelledWork;
    }

    private void advanceState(int target) {
        for (int s; (s = state.get()) < target; ) {
            if (state.compareAndSet(s, target)) {
                return;
            }
        }
    }

    @Override
    public boolean isShutdown() {
        return state.get() >= SHUTDOWN;
    }

    boolean isStopped() {
        return state.get() >= STOP;
    }

    @Override
    public boolean isTerminated() {
        return state.get() == TERMINATED;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!terminated.await(timeout, unit)) {
            return false;
        }
        // The manager is told to stop as the pool terminates; wait for its thread as well, so that no
        // thread of the pool (see threads()) is left once this returns true.
        Thread managerThread = manager.thread();
        if (managerThread == Thread.currentThread()) {
            return true;
        }
        TimeUnit.NANOSECONDS.timedJoin(managerThread, Math.max(1, deadline - System.nanoTime()));
        return !managerThread.isAlive();
    }

    /** Terminates once the pool is shut down, every queue is empty and every worker has exited. */
    void tryTerminate() {
        int s = state.get();
        if (s < SHUTDOWN || s == TERMINATED) {
            return;
        }
        // The accounts are looked at one by one: a worker of one not looked at yet may hand a link to
        // one already looked at, then exit. Such a hand-over is counted after it is queued, so a look
        // that raced one sees the count move, and looks again.
        for (long handedOver = linksHandedOver.get(); ; handedOver = linksHandedOver.get()) {
            if (!allAccountsTerminated()) {
                return;
            }
            if (linksHandedOver.get() == handedOver) {
                break;
            }
        }
        if (state.compareAndSet(s, TERMINATED)) {
            manager.stop();
            terminated.countDown();
        }
    }

    private boolean allAccountsTerminated() {
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                if (!a.isTerminated()) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ operations

    /**
     * Changes the most workers of {@code workClass} per node at run time (the later kernels'
     * {@code IORING_REGISTER_IOWQ_MAX_WORKERS}). Shrinking lets extra workers exit as they go idle;
     * the concurrency target is capped at the new maximum.
     */
    public void setMaxWorkers(WorkClass workClass, int maxWorkers) {
        if (maxWorkers < 1) {
            throw new IllegalArgumentException(workClass.tag() + " maxWorkers must be at least 1, was " + maxWorkers);
        }
        for (Node node : nodes) {
            node.account(workClass).resize(maxWorkers);
        }
    }

    /** A snapshot of the pool's figures. */
    public IoWqStats stats() {
        IoWqStats.ClassStats[] classes = new IoWqStats.ClassStats[2];
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                int i = a.workClass.ordinal();
                IoWqStats.ClassStats s = a.stats();
                classes[i] = classes[i] == null ? s : classes[i].plus(s);
            }
        }
        IoWqStats.ClassStats b = classes[0];
        IoWqStats.ClassStats u = classes[1];
        // Ends before submissions: an item is counted submitted before it can end, so read in this
        // order the ends never add up to more than the submissions.
        long[] runEnds = new long[2];
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                a.countRunEnds(runEnds);
            }
        }
        long ended = completed.sum() + runEnds[0];
        long failedNow = failed.sum() + runEnds[1];
        long cancelledNow = cancelled.sum();
        long refused = unaccepted.sum(); // before the ids: an id counted here was issued before this read
        long submittedNow = ids.issued() - refused;
        return new IoWqStats(nodes.length, b, u, b.pending() + u.pending(), b.activeKeys() + u.activeKeys(),
                submittedNow, ended, failedNow, cancelledNow, rejected.sum(), creationFailures.sum());
    }

    /** The items waiting to run, oldest first per account. */
    public List<WorkInfo> pendingWork() {
        List<WorkInfo> list = new ArrayList<>();
        long now = recordTimes ? System.nanoTime() : WorkInfo.NO_CLOCK;
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                a.pendingWork(list, now);
            }
        }
        return list;
    }

    /** The items running now, with their workers' stacks if {@code withStacks}. */
    public List<WorkInfo> runningWork(boolean withStacks) {
        List<WorkInfo> list = new ArrayList<>();
        long now = recordTimes ? System.nanoTime() : WorkInfo.NO_CLOCK;
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                a.runningWork(list, now, withStacks);
            }
        }
        return list;
    }

    /** Failures of context hooks and listeners, which the pool survived. */
    public long hookFailures() {
        return hookFailures.sum();
    }

    /** The live worker threads and the manager thread (for leak checks). */
    public List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        for (Node node : nodes) {
            for (Account a : node.accounts()) {
                threads.addAll(a.threads());
            }
        }
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

    /** How many ids were handed out: the newest item's id. */
    long issuedIds() {
        return ids.issued();
    }

    Node[] nodes() {
        return nodes;
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
