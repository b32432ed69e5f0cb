package io.iowq.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One class of work on one node: the seed's {@code struct io_wqe_acct}, split as Linux 5.15 split it,
 * so each class has its own lock, run queue, key chains, free list and workers, and workers never
 * leave their class. All fields below {@link #lock} are guarded by it, but for the open queue, which
 * is lock-free, and the volatile ones, which are written under the lock and read without it as hints.
 * See {@link IoWq} for the invariants.
 * <p>
 * Unhashed work takes a lock-free path: a submitter of bound work adds it to the open queue and takes
 * the lock only to wake or create a worker, which it needs only while fewer than the concurrency
 * target run (unbound work is queued under the lock: only the lock can tell whether a worker can be
 * had at the thread limit); a busy worker takes its next unhashed item from the open queue without
 * the lock while no key head waits. The lock stays for everything that decides about workers and keys.
 * <p>
 * Work that a critical section decides to hand to user code (a worker to start, an item that ended)
 * is collected under the lock and released by {@link #unlock()}, after the lock is dropped.
 */
final class Account {

    final IoWq pool;
    final Node node;
    final WorkClass workClass;
    final ReentrantLock lock = new ReentrantLock();

    /** An item that ran shorter than this beside another active worker may let its worker stand by (a hand-off). */
    static final long SHORT_ITEM_NANOS = 2_000;
    /** How long a standing worker parks before it looks at the open queue again. */
    static final long STANDBY_NANOS = 50_000;
    /**
     * After a standby period in vain (the active workers took nothing, or fell behind), no worker of
     * the account stands by for this long: beside a stuck worker, one standby per hold-off.
     */
    static final long STANDBY_HOLD_OFF_NANOS = 1_000_000;
    /**
     * Workers time one item in four (by id), and only while another worker is active, to decide
     * whether to stand by: two clock reads, a look at the queue's head and one at the id counter,
     * on items that may last a few hundred nanoseconds.
     */
    static final int STANDBY_CHECK_MASK = 3;
    /** {@link #STANDBY_CHECK_MASK}, or 0 for a model checker, whose every item is timed. */
    private int standbyCheckMask = STANDBY_CHECK_MASK;
    /** A model checker's clock ({@link #stepWithoutThread}: one tick per turn), or -1 for the system's. */
    private long modelNanos = -1;
    // (Both plain: set by addWorkerWithoutThread, and the clock ticked by stepWithoutThread; in a
    // pool without a model checker they keep their first values.)

    /** Runnable unhashed items, lock-free: offered by submitters, polled by workers. */
    private final OpenQueue open = new OpenQueue();

    /** The head of each key chain that no worker owns, in the order they became runnable. */
    private final ArrayDeque<Work<?>> runQueue = new ArrayDeque<>();
    /** {@code runQueue.size()}, for workers deciding without the lock whether a key head waits. */
    private volatile int queuedHeads;
    /** The chain of every active key. */
    private final HashMap<Object, KeyChain> chains = new HashMap<>();
    /** Idle workers, most recently idle first (LIFO: the others may time out). */
    private final ArrayDeque<Worker> freeList = new ArrayDeque<>();
    /** Every live worker, including those whose thread is starting. */
    private final ArrayList<Worker> workers = new ArrayList<>();
    private int maxWorkers;
    private final int configuredConcurrency;
    private volatile int concurrency;
    /** Read without the lock by submitters of unhashed work deciding whether to wake a worker. */
    private volatile int running;
    /**
     * Workers woken or created that have not yet looked at the queues (each has {@code waking} set).
     * While one is on its way a submitter of open work wakes nobody: that worker, when it takes its
     * first item under the lock, wakes the next if more work waits ({@link #wakeForMore}), as a
     * {@code LinkedBlockingQueue} signals only on empty-to-non-empty and its takers pass the signal on.
     * A burst then costs its submitter one wake instead of one per worker.
     */
    private volatile int waking;
    /**
     * Running workers that stand by ({@link #standBy}): counted in {@code running}, taking nothing
     * while another worker keeps up with tiny items, looking again every {@link #STANDBY_NANOS}.
     */
    private volatile int standing;
    /** How many times a worker started standing by (for tests and diagnostics); under the lock. */
    private long standbys;
    /** No worker starts standing by before this time ({@link #STANDBY_HOLD_OFF_NANOS}); written under the lock. */
    private volatile long standbyHeldOffUntil = System.nanoTime();
    /** Items in the run queue and the key chains (not the open queue). */
    private volatile int pending;
    private int workerSerial;
    private int creationFailuresInRow;
    /** Items run to an end by workers that have exited (see {@link #countRunEnds}). */
    private long retiredCompleted;
    private long retiredFailed;

    /** Activated under the lock, unparked by {@link #unlock()}. */
    private final ArrayList<Thread> toUnpark = new ArrayList<>(2);
    /** Reserved under the lock, started by {@link #unlock()}. */
    private final ArrayList<Worker> toStart = new ArrayList<>(1);
    /** Ended under the lock, published by {@link #unlock()}. */
    private final ArrayList<Work<?>> toPublish = new ArrayList<>(1);

    Account(IoWq pool, Node node, WorkClass workClass, int maxWorkers, int concurrency) {
        this.pool = pool;
        this.node = node;
        this.workClass = workClass;
        this.maxWorkers = maxWorkers;
        this.configuredConcurrency = concurrency;
        this.concurrency = concurrency;
    }

    /**
     * Drops the lock, then wakes the workers activated, starts the workers reserved and publishes the
     * ends decided under it (a worker woken inside the lock would only wait for it).
     */
    private void unlock() {
        if (toUnpark.isEmpty() && toStart.isEmpty() && toPublish.isEmpty()) {
            lock.unlock();
            return;
        }
        if (toStart.isEmpty() && toPublish.isEmpty() && toUnpark.size() == 1) {
            Thread woken = toUnpark.remove(0); // the common case, without the copies below
            lock.unlock();
            LockSupport.unpark(woken);
            return;
        }
        Thread[] unpark = toUnpark.toArray(new Thread[0]);
        Worker[] start = toStart.toArray(new Worker[0]);
        Work<?>[] ended = toPublish.toArray(new Work<?>[0]);
        toUnpark.clear();
        toStart.clear();
        toPublish.clear();
        lock.unlock();
        for (Thread t : unpark) {
            LockSupport.unpark(t);
        }
        for (Work<?> w : ended) {
            pool.published(w);
        }
        for (Worker w : start) {
            startThread(w);
        }
    }

    // ------------------------------------------------------------------ submission (io_wqe_enqueue)

    /**
     * Queues an accepted or about-to-be-accepted item and wakes or creates a worker if it should.
     * Returns {@code false}, queuing nothing, if {@code external} and the pool is shut down or the
     * unbound class can take no more work ({@code io_wq_can_queue}); the caller refuses the item.
     */
    boolean enqueue(Work<?> work, boolean external, ContextHook.Snapshot context) {
        if (external && !work.isHashed() && workClass == WorkClass.BOUND) {
            return enqueueOpen(work, context);
        }
        lock.lock();
        try {
            if (external) {
                if (pool.isShutdown() || !canQueue()) {
                    return false;
                }
                pool.accept(work, context);
            } else if (pool.isStopped()) {
                pool.cancelChain(work, toPublish);
                return true;
            }
            work.account = this;
            if (work.isHashed()) {
                pending++;
                KeyChain chain = chains.get(work.key());
                if (chain != null) {
                    chain.waiting.addLast(work);
                    return true;
                }
                chains.put(work.key(), new KeyChain(work.key()));
                queueHead(work);
            } else {
                open.offer(work);
            }
            wakeForQueued(work.isConcurrent());
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * The lock-free submission of unhashed bound work (unbound work may need a worker it cannot have
     * at the thread limit, which only the lock can decide). The item is offered, then {@code running}
     * is read: a worker that stops running lowers {@code running} and then looks at the open queue
     * again (see {@link #parkIdle}), so either the submitter sees the lower count and wakes a worker,
     * or that worker sees the item. If the pool was shut down meanwhile, no worker is woken or created
     * for the item: it stays only if a worker is left to take it.
     */
    private boolean enqueueOpen(Work<?> work, ContextHook.Snapshot context) {
        if (pool.isShutdown()) {
            return false;
        }
        pool.accept(work, context);
        work.account = this;
        open.offer(work);
        if (pool.isShutdown()) {
            return keptAfterShutdown(work);
        }
        if (work.isConcurrent() || (running < concurrency && waking == 0)) {
            lock.lock();
            try {
                wakeForQueued(work.isConcurrent());
            } finally {
                unlock();
            }
        } else {
            pool.workWaiting();
        }
        return true;
    }

    /**
     * A submission that raced with shutdown: the item stays if a worker will still look at the open
     * queue (each worker listed here takes from it under this lock before it exits); else (no worker
     * left, or the pool stopped) it is taken back, un-accepted, and refused. It stays accepted if a
     * worker has started it meanwhile, and ends cancelled if a cancel reached one of its links. A
     * refused item may stay in the open queue as a node that is no longer pending, which takers drop.
     */
    private boolean keptAfterShutdown(Work<?> work) {
        boolean taken;
        lock.lock();
        try {
            taken = pool.isStopped() || workers.isEmpty();
            if (taken && !pool.unaccept(work)) {
                cancelQueued(work); // nothing if a worker started it
                taken = false;
            }
        } finally {
            unlock();
        }
        if (taken) {
            pool.tryTerminate();
        }
        return !taken;
    }

    /** Wakes or creates a worker for queued work if fewer than the target run (or it is concurrent). */
    private void wakeForQueued(boolean concurrent) {
        if (!hasRunnable() || !((concurrent || running < concurrency) && wakeOrCreateWorker())) {
            pool.workWaiting(); // no worker woken for it: have the manager watch the busy ones
        }
    }

    private boolean hasRunnable() {
        return !runQueue.isEmpty() || !open.isEmpty();
    }

    private void queueHead(Work<?> head) {
        runQueue.addLast(head);
        queuedHeads = runQueue.size();
        callStandingWorkers(); // one takes it now, in its order among the open items
    }

    private Work<?> pollHead() {
        Work<?> head = runQueue.pollFirst();
        queuedHeads = runQueue.size();
        return head;
    }

    /**
     * The seed's {@code io_wq_can_queue}: unbound work is refused when it needs a new worker (none
     * is free or running, and the class is below {@code maxWorkers}) and the process is at its
     * thread limit. At {@code maxWorkers} it waits for a worker instead, as later kernels queue it.
     */
    private boolean canQueue() {
        if (workClass == WorkClass.BOUND || !freeList.isEmpty() || running > 0 || workers.size() >= maxWorkers) {
            return true;
        }
        return !pool.config.threadLimit().reached();
    }

    private boolean mayCreateWorker() {
        if (workers.size() >= maxWorkers) {
            return false;
        }
        return workClass == WorkClass.BOUND || !pool.config.threadLimit().reached();
    }

    /**
     * The seed's {@code io_wqe_wake_worker}: activate the most recently idle worker, marking it taken
     * and running inside this lock (its thread is unparked once the lock is dropped); else reserve a
     * new one, counted as running before its thread starts. Either is on its way ({@link #waking}).
     */
    private boolean wakeOrCreateWorker() {
        Worker free = freeList.pollFirst();
        if (free != null) {
            free.free = false;
            setRunning(free, true);
            setWaking(free, true);
            toUnpark.add(free.thread);
            return true;
        }
        if (!mayCreateWorker()) {
            return false;
        }
        Worker w = new Worker(this, pool.config.threadNamePrefix() + node.index + "-"
                + (workClass == WorkClass.BOUND ? "b" : "u") + "-" + (++workerSerial));
        workers.add(w);
        setRunning(w, true);
        setWaking(w, true);
        toStart.add(w);
        return true;
    }

    /** Wakes or creates workers while work waits and fewer than the target run. */
    private void wakeWhileNeeded() {
        wakeUntilRunning(concurrency, queuedUpTo(concurrency));
    }

    /** Wakes or creates workers, one for each of {@code queued} items, until {@code target} run. */
    private void wakeUntilRunning(int target, int queued) {
        for (; queued > 0 && running < target && wakeOrCreateWorker(); queued--) {
            // one more worker on its way for each queued item
        }
    }

    /** How many items are queued, counting no further than {@code limit} (the open queue has no cheap size). */
    private int queuedUpTo(int limit) {
        int n = runQueue.size();
        return n >= limit ? n : n + open.sizeUpTo(limit - n);
    }

    private void setWaking(Worker w, boolean waking) {
        if (w.waking != waking) {
            w.waking = waking;
            this.waking += waking ? 1 : -1;
        }
    }

    /**
     * After a take under the lock: if work still waits while fewer than the target run and no other
     * worker is on its way, wake or create another (a submitter that saw a worker on its way woke
     * nobody). A worker created here is started by this worker's thread, after the lock is dropped
     * and after its item has started: the item's run time includes that start.
     */
    private void wakeForMore() {
        if (waking == 0 && running < concurrency && hasRunnable()) { // one on its way will look itself
            wakeOrCreateWorker();
        }
    }

    private void setRunning(Worker w, boolean running) {
        if (w.running != running) {
            w.running = running;
            this.running += running ? 1 : -1;
        }
    }

    // ------------------------------------------------------------------ worker creation

    /** Creates the node's first worker synchronously, for the pool's constructor. */
    void startFirstWorker() {
        lock.lock();
        try {
            wakeOrCreateWorker();
        } finally {
            lock.unlock();
        }
        Worker w = toStart.remove(0);
        Throwable failure = tryStartThread(w);
        if (failure != null) {
            throw new IllegalStateException("iowq: could not start the first worker of node " + node.index
                    + " with the configured ThreadFactory: " + failure, failure);
        }
    }

    private void startThread(Worker w) {
        Throwable failure = tryStartThread(w);
        if (failure != null) {
            pool.workerCreationFailed(this, failure);
        }
    }

    /** Starts {@code w}'s thread; on failure takes the reservation back and returns the cause. */
    private Throwable tryStartThread(Worker w) {
        try {
            Thread t = pool.config.threadFactory().newThread(w);
            if (t == null) {
                throw new IllegalStateException("ThreadFactory returned null");
            }
            t.setName(w.name);
            w.thread = t;
            t.start();
            return null;
        } catch (Throwable e) {
            lock.lock();
            try {
                removeWorker(w);
                setRunning(w, false);
                creationFailuresInRow++;
                wakeFreeInsteadOfLostWorker();
            } finally {
                unlock();
            }
            return e;
        }
    }

    /**
     * A worker on its way will not come (its thread could not start): a submitter may have counted
     * on it, so a free worker is woken in its place if work waits. Only a free one: creating another
     * here would recurse on a factory that keeps failing; the manager's retry does that.
     */
    private void wakeFreeInsteadOfLostWorker() {
        if (running < concurrency && hasRunnable() && !freeList.isEmpty()) {
            wakeOrCreateWorker();
        }
    }

    /**
     * The manager's retry after a failed creation. Returns {@code false} when it should stop trying:
     * nothing waits, or the class has at least the target running.
     */
    boolean retryCreation(int maxFailuresInRow) {
        lock.lock();
        try {
            if (!hasRunnable() || (!workers.isEmpty() && running >= concurrency)) {
                return false;
            }
            if (workers.isEmpty() && creationFailuresInRow >= maxFailuresInRow) {
                // The class cannot get a worker: cancel what waits rather than let it hang.
                cancelPending(w -> true, true);
                return false;
            }
            if (running < concurrency || workers.isEmpty()) {
                wakeOrCreateWorker();
            }
            return true;
        } finally {
            unlock(); // a new failure is reported by startThread and schedules the next retry
        }
    }

    void workerStarted(Worker w) {
        lock.lock();
        try {
            creationFailuresInRow = 0;
        } finally {
            lock.unlock();
        }
    }

    void workerExited(Worker w) {
        lock.lock();
        try {
            if (removeWorker(w)) {
                // Only on an abnormal exit is the worker still listed; its item was ended by execute.
                if (w.standing) {
                    stopStandingBy(w);
                }
                setRunning(w, false);
                freeList.remove(w);
                w.current = null;
                if (w.chain != null) {
                    releaseChain(w, false);
                }
                wakeWhileNeeded();
            }
        } finally {
            unlock();
        }
        pool.tryTerminate();
    }

    // ------------------------------------------------------------------ the worker loop (io_worker_handle_work)

    /**
     * One step of the worker loop: finish {@code finished}, then take the next item — {@code link}
     * if it is still pending, else the next item of the owned key chain (within the budget cut when it
     * was taken), else the oldest runnable item of the run queue and the open queue — or go idle on
     * the free list. Returns {@code null} when the worker must exit. A worker that owns no key and
     * sees no key head waiting takes from the open queue without the lock; everything else is decided
     * under one hold of it.
     */
    Work<?> next(Worker w, Work<?> finished, Work<?> link) {
        boolean surplus = false;
        boolean stand = false;
        if (link == null) {
            if (finished != null) {
                finishCurrent(w);
                stand = mayStandBy(w);
            }
            // More run than the target (blocked workers came back, or the pool grew to make up for
            // observation lag): a worker that finished an item rests instead of taking another.
            surplus = finished != null && running > concurrency;
            if (!surplus && !stand && !w.waking) { // a worker on its way takes its first item under the lock
                Work<?> work = takeOpenIfNoKey(w);
                if (work != null) {
                    return work;
                }
            }
        }
        lock.lock();
        try {
            if (link != null) {
                // In the lock hold that starts the link: until then the link is findable only behind
                // the finished item, its current, where a cancel holding this lock must still see it.
                finishCurrent(w);
            }
            surplus = surplus && running > concurrency;
            if (stand && !surplus && standBy(w)) {
                surplus = running > concurrency; // it stood by: the count may have changed meanwhile
            }
            for (;;) {
                setWaking(w, false); // it looks at the queues now (a worker activated while parked too)
                Work<?> work = surplus ? null : takeWork(w, link);
                link = null;
                if (work != null) {
                    wakeForMore();
                    return work;
                }
                if (surplus && w.chain != null) {
                    releaseChain(w, false);
                }
                surplus = false;
                if (mustExit(w) || !parkIdle(w)) {
                    retire(w);
                    return null;
                }
            }
        } finally {
            unlock();
        }
    }

    /**
     * Clears the finished item. If a canceller ended it, that end is awaited: the canceller interrupts
     * only while it holds the end, so once the end is published no interrupt aimed at the item can
     * come, and clearing the interrupt status here means none reaches the next item.
     */
    private void finishCurrent(Worker w) {
        Work<?> done = w.current;
        w.current = null;
        done.awaitEnd();
        Thread.interrupted();
        if (w.blocked) { // observed blocked in the item it just left (see observedBlocked)
            lock.lock();
            try {
                markRunning(w);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The lock-free take, for a worker that owns no key while no key head waits (else: null). It looks
     * once and does not spin: a worker that keeps reading the queue's head pulls to its CPU the very
     * lines a submitter is writing, and on two CPUs it also takes CPU from that submitter (see
     * docs/benchmarks.md, scenario 1: a spin of 100 looks handed over fewer tasks per second).
     */
    private Work<?> takeOpenIfNoKey(Worker w) {
        if (w.chain != null || queuedHeads != 0 || open.isEmpty()) {
            return null;
        }
        return takeOpen(w);
    }

    /**
     * Takes the oldest open item without the lock. {@code taking} covers the moment the item is in
     * neither the open queue nor {@code current}, so that cancel, which waits it out, always finds it.
     */
    private Work<?> takeOpen(Worker w) {
        w.beginTaking();
        try {
            for (Work<?> candidate; (candidate = open.poll()) != null; ) {
                if (startOn(w, candidate)) {
                    return candidate;
                }
            }
            return null;
        } finally {
            w.endTaking();
        }
    }

    // ------------------------------------------------------------------ standing by (no seed counterpart)

    /**
     * After {@code w} finished an item, without the lock: records how long the item ran if it was
     * timed (its pace, and when it ended), and returns whether {@code w} may stand by
     * ({@link #standBy} decides under the lock): only if the item was timed ({@link #startOn}:
     * another worker was active when it started), ran shorter than {@link #SHORT_ITEM_NANOS}, no
     * hold-off is on, and open work waits that one worker would be through within a standby period
     * at this item's pace.
     */
    private boolean mayStandBy(Worker w) {
        long tookAt = w.tookAt;
        w.tookAt = 0;
        if (tookAt == 0 || w.chain != null) {
            return false;
        }
        long end = w.endOfLastItem; // recorded times: the item's end was just read
        long now = end != 0 ? end : now();
        long ran = now - tookAt;
        w.lastItemNanos = Math.max(ran, 1);
        w.finishedAt = now;
        if (ran >= SHORT_ITEM_NANOS || now - standbyHeldOffUntil < 0) {
            return false;
        }
        Work<?> oldest = queuedHeads == 0 ? open.peek() : null;
        return oldest != null && !backlogOutlastsStandby(w, oldest);
    }

    /**
     * Whether the open work that waits, from {@code oldest} on, would keep one worker busy for longer
     * than a standby period at the pace of {@code w}'s last item: then a second worker is worth
     * having, and {@code w} takes instead of standing by.
     */
    private boolean backlogOutlastsStandby(Worker w, Work<?> oldest) {
        return waitingFrom(oldest) * w.lastItemNanos >= STANDBY_NANOS;
    }

    /**
     * How many items wait from {@code oldest} on: the ids issued since. Every item of the pool takes
     * an id (keyed ones and other accounts' too), so this errs towards more.
     */
    private long waitingFrom(Work<?> oldest) {
        return pool.issuedIds() - oldest.id + 1;
    }

    /** Whether a worker other than {@code w} (which runs) is active: running and not standing by. */
    private boolean othersActive(Worker w) {
        return running - standing - (w.standing ? 0 : 1) > 0;
    }

    /**
     * Stands by instead of taking, after a tiny item, while another worker is active and the open
     * work that waits is what it would soon be through ({@link #backlogOutlastsStandby}): two
     * workers taking tiny items at once, each beside a submitter on its own CPU, pass every item's
     * cache lines between the CPUs and hand over a fraction of what one does alone (see
     * docs/benchmarks.md, scenario 1). The worker stays counted running (so no submitter wakes a
     * worker for it) and parks for {@link #STANDBY_NANOS} at a time. After each period it goes on
     * standing only if every item that waited when it last looked is gone (taken or cancelled) and
     * what waits now is still little ({@link #activeKeptUp}); else it takes, and standing by is held
     * off for {@link #STANDBY_HOLD_OFF_NANOS}. It also stops when nothing waits (it goes idle as
     * usual), when no other worker is active, at shutdown, and when called
     * ({@link #callStandingWorkers}). So an item that waits at one look is gone by the next or the
     * standing worker takes: standing by delays an item at most about two standby parks (plus the
     * OS's timer slack), and beside active workers that do not keep up at most once per hold-off.
     * Returns whether it stood by; called and returns with the lock held.
     */
    private boolean standBy(Worker w) {
        if (!startStandingBy(w)) {
            return false;
        }
        do {
            unlock();
            try {
                LockSupport.parkNanos(this, STANDBY_NANOS);
            } finally {
                lock.lock();
            }
            Thread.interrupted(); // as in parkIdle
        } while (keepStandingBy(w));
        return true;
    }

    /**
     * Starts standing by if no hold-off is on (at the end of {@code w}'s last item), another worker
     * is active and open work waits that it would soon be through; returns whether it did.
     */
    private boolean startStandingBy(Worker w) {
        Work<?> oldest = oldestOpenIfNoKey();
        if (oldest == null || w.finishedAt - standbyHeldOffUntil < 0 || !othersActive(w) || pool.isShutdown()
                || backlogOutlastsStandby(w, oldest)) {
            return false;
        }
        w.standing = true;
        w.standingSawIssued = pool.issuedIds();
        w.endOfLastItem = 0; // its next item's start is not its last item's end
        standing++;
        standbys++;
        return true;
    }

    /**
     * After a standby period: goes on standing (returns {@code true}) if the active workers keep up
     * ({@link #activeKeptUp}); else stops, to take or go idle, holding standing by off (from now) if
     * they did not keep up.
     */
    private boolean keepStandingBy(Worker w) {
        if (!w.standing) {
            return false; // called: its standby was ended for it
        }
        Work<?> oldest = oldestOpenIfNoKey();
        if (oldest != null && othersActive(w) && !pool.isShutdown()) {
            if (activeKeptUp(w, oldest)) {
                w.standingSawIssued = pool.issuedIds();
                return true;
            }
            standbyHeldOffUntil = now() + STANDBY_HOLD_OFF_NANOS; // stuck, or behind
        }
        stopStandingBy(w);
        return false;
    }

    /**
     * Whether the active workers kept up over the standby period that ended: no item accepted before
     * {@code w}'s last look still waits (the oldest waiting one is newer; an item accepted just
     * before that look but queued after it errs towards taking), and what waits now is still less
     * than a standby period's worth ({@link #backlogOutlastsStandby}).
     */
    private boolean activeKeptUp(Worker w, Work<?> oldest) {
        return oldest.id > w.standingSawIssued && !backlogOutlastsStandby(w, oldest);
    }

    private void stopStandingBy(Worker w) {
        w.standing = false;
        standing--;
    }

    /** The oldest waiting open item, if no key head waits (a worker standing by takes a key head at once). */
    private Work<?> oldestOpenIfNoKey() {
        return runQueue.isEmpty() ? open.peek() : null;
    }

    /** How many times a worker of this account started standing by. */
    long standbys() {
        lock.lock();
        try {
            return standbys;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the standby of every worker standing by and unparks it, to take or go idle now: a worker
     * blocked, a key head waits, the pool was resized or shuts down. (A worker that goes idle does not
     * call them: then fewer than the target run, so a submitter wakes one, and a standing worker's
     * next look finds nobody active.) Under the lock.
     */
    private void callStandingWorkers() {
        if (standing == 0) {
            return;
        }
        for (Worker worker : workers) {
            if (worker.standing) {
                stopStandingBy(worker);
                toUnpark.add(worker.thread);
            }
        }
    }

    /**
     * The clock standing by reads when no time was recorded for the item: the system's, or a model
     * checker's (whose pool records no times).
     */
    private long now() {
        return modelNanos < 0 ? System.nanoTime() : modelNanos;
    }

    /** Starts {@code candidate} on {@code w}; {@code false} if it was cancelled while it waited. */
    private boolean startOn(Worker w, Work<?> candidate) {
        // Before the start, which publishes it: a Future.cancel that sees the item running finds its
        // account (only a link run by its predecessor's worker has none yet).
        candidate.account = this;
        if (!candidate.start()) {
            return false; // cancelled while it waited: its canceller accounted for it
        }
        long startedAt = 0;
        if (pool.recordTimes) {
            startedAt = w.startClock(candidate);
            candidate.startedAt(startedAt);
        }
        if ((candidate.id & standbyCheckMask) == 0 && othersActive(w)) {
            w.tookAt = startedAt != 0 ? startedAt : now(); // a time recorded for the item is read once
        } else {
            w.tookAt = 0;
        }
        w.took(candidate);
        return true;
    }

    private Work<?> takeWork(Worker w, Work<?> link) {
        for (;;) {
            Work<?> candidate;
            if (link != null) {
                candidate = link;
                link = null;
                if (w.chain != null) {
                    releaseChain(w, true); // the link runs here: let another worker take the key
                }
            } else if (w.chain != null && w.budget > 0 && !w.chain.waiting.isEmpty()) {
                candidate = w.chain.waiting.pollFirst();
                w.budget--;
                pending--;
            } else {
                if (w.chain != null) {
                    releaseChain(w, false); // this worker takes from the queues next
                }
                candidate = pollRunnable();
                if (candidate == null) {
                    return null;
                }
                if (candidate.isHashed()) {
                    pending--;
                    takeChain(w, candidate.key());
                }
            }
            if (startOn(w, candidate)) {
                return candidate;
            }
        }
    }

    /** The oldest runnable item: the run queue's head or the open queue's, whichever was accepted first (lower id). */
    private Work<?> pollRunnable() {
        Work<?> head = runQueue.peekFirst();
        Work<?> opened = open.peek();
        if (head != null && (opened == null || head.id < opened.id)) {
            return pollHead();
        }
        opened = open.poll(); // may be another than the one peeked, or none, if a worker took it
        return opened != null ? opened : pollHead();
    }

    /** Takes ownership of a key's chain; the items waiting now are this worker's to run (wq_list_cut). */
    private void takeChain(Worker w, Object key) {
        KeyChain chain = chains.get(key);
        chain.owner = w;
        w.chain = chain;
        w.budget = chain.waiting.size();
    }

    /** Gives a key back: drops it if nothing waits, else queues its next item behind the others. */
    private void releaseChain(Worker w, boolean wake) {
        KeyChain chain = w.chain;
        w.chain = null;
        w.budget = 0;
        chain.owner = null;
        Work<?> head = chain.waiting.pollFirst();
        if (head == null) {
            chains.remove(chain.key);
            return;
        }
        queueHead(head);
        if (wake && running < concurrency) {
            wakeOrCreateWorker();
        }
    }

    private boolean mustExit(Worker w) {
        return pool.isShutdown() || (workers.size() > maxWorkers && mayRetire());
    }

    /** The last worker of a node (its last bound worker) never retires while the pool runs. */
    private boolean mayRetire() {
        return pool.isShutdown() || workClass == WorkClass.UNBOUND || workers.size() > 1;
    }

    /**
     * The seed's {@code __io_worker_idle} and {@code schedule_timeout}: go on the free list (no longer
     * running) and wait to be activated. Returns {@code true} when activated, {@code false} when the
     * worker should exit (idle timeout, shrink, shutdown) — then it is off the free list.
     * Called and returns with the lock held.
     */
    private boolean parkIdle(Worker w) {
        goIdle(w);
        if (mustLookAgain()) {
            undoIdle(w);
            return true;
        }
        long timeout = pool.config.idleTimeout().toNanos();
        long deadline = System.nanoTime() + timeout;
        boolean timed = true;
        for (;;) {
            unlock();
            try {
                if (timed) {
                    LockSupport.parkNanos(this, Math.max(0, deadline - System.nanoTime()));
                } else {
                    LockSupport.park(this);
                }
            } finally {
                lock.lock();
            }
            // Cancel interrupts only busy workers; a stray interrupt must not turn parking into spinning.
            Thread.interrupted();
            if (!w.free) {
                return true;
            }
            boolean timedOut = deadline - System.nanoTime() <= 0;
            if (pool.isShutdown() || (workers.size() > maxWorkers && mayRetire()) || (timedOut && mayRetire())) {
                freeList.remove(w);
                w.free = false;
                return false;
            }
            // Timed out but may not retire (its node's last worker): wait until woken, or a zero
            // idle timeout would spin. Activation, resize and shutdown all unpark it.
            timed = !timedOut;
        }
    }

    /**
     * Puts {@code w} on the free list, no longer running. A submitter of open work that read
     * {@code running} before this may have counted on {@code w}: the caller must look at the open
     * queue again after this, and take what it finds there ({@link #undoIdle}).
     */
    private void goIdle(Worker w) {
        w.endOfLastItem = 0;
        w.free = true;
        freeList.addFirst(w);
        setRunning(w, false);
    }

    /**
     * After a worker went idle: whether a submitter of open work may have counted on it. Only if fewer
     * than the target now run — a submitter that saw at least the target running counts on whichever
     * of them is last to drop the count below it, and that one looks.
     */
    private boolean mustLookAgain() {
        return running < concurrency && !open.isEmpty();
    }

    private void undoIdle(Worker w) {
        freeList.remove(w);
        w.free = false;
        setRunning(w, true);
    }

    /**
     * Takes {@code w} out; if that leaves fewer than the target running while work waits (a shrink
     * retires a running worker), another is woken: a submitter may have counted on {@code w}.
     */
    private void retire(Worker w) {
        removeWorker(w);
        setRunning(w, false);
        if (!pool.isShutdown()) {
            wakeWhileNeeded();
        }
    }

    // ------------------------------------------------------------------ blocking (io_wq_worker_sleeping / _running)

    /** The worker is blocked in its item (told): it stops counting as running; if work waits, help it. */
    void workerBlocked(Worker w) {
        lock.lock();
        try {
            markBlocked(w, false);
        } finally {
            unlock();
        }
    }

    /** The worker runs again (told). */
    void workerUnblocked(Worker w) {
        lock.lock();
        try {
            markRunning(w);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The manager observed {@code w} blocked in {@code work}; applies only if it is still there. A
     * worker leaves an item without the lock, clearing {@code current} and then reading
     * {@code blocked}; so {@code blocked} is raised here before {@code current} is read: either this
     * sees the worker gone and takes the mark back, or the worker sees the mark and takes it off
     * itself, under this lock ({@link #finishCurrent}).
     */
    boolean observedBlocked(Worker w, Work<?> work) {
        lock.lock();
        try {
            if (w.blocked || w.current != work) {
                return false;
            }
            w.blocked = true;
            if (w.current != work) {
                w.blocked = false;
                return false;
            }
            blockedNow(w, true);
            return true;
        } finally {
            unlock();
        }
    }

    /** The manager observed {@code w} making progress in {@code work} again. */
    boolean observedRunning(Worker w, Work<?> work) {
        lock.lock();
        try {
            return w.current == work && w.observedBlocked && markRunning(w);
        } finally {
            lock.unlock();
        }
    }

    private boolean markBlocked(Worker w, boolean observed) {
        if (w.blocked || w.current == null) {
            return false;
        }
        blockedNow(w, observed);
        return true;
    }

    private void blockedNow(Worker w, boolean observed) {
        w.blocked = true;
        w.observedBlocked = observed;
        setRunning(w, false);
        callStandingWorkers();
        if (observed) {
            wakeToMakeUpForLag();
        } else {
            wakeWhileNeeded();
        }
    }

    /**
     * The manager sees blocking a sample period late, where the seed wakes a worker at each sleep. To
     * make up for the lag, an observed block wakes workers until as many run as are blocked (at least
     * the concurrency target): while queued work keeps blocking, the pool doubles per sample round, up
     * to {@code maxWorkers}. CPU-bound work is never observed blocked, so it never grows the pool; and
     * a worker that finishes an item while more than the target run rests instead of taking another
     * ({@link #next}), so a surplus lasts one item.
     */
    private void wakeToMakeUpForLag() {
        int blocked = 0;
        int onTheirWay = 0; // woken or starting, not in an item yet: each will take one of the queued
        for (Worker worker : workers) {
            blocked += worker.blocked ? 1 : 0;
            onTheirWay += worker.running && worker.current == null ? 1 : 0;
        }
        int target = Math.max(blocked, concurrency);
        wakeUntilRunning(target, queuedUpTo(target) - onTheirWay);
    }

    private boolean markRunning(Worker w) {
        if (!w.blocked) {
            return false;
        }
        w.blocked = false;
        w.observedBlocked = false;
        setRunning(w, true);
        return true;
    }

    /** Whether work waits in this account (read without the lock: a hint for the manager). */
    boolean hasQueuedWork() {
        return pending > 0 || !open.isEmpty();
    }

    /**
     * The workers now busy in an item and not told blocked, for the manager to sample; each is
     * stamped with the item it is in.
     */
    void busyWorkers(List<Worker> into) {
        lock.lock();
        try {
            for (Worker w : workers) {
                w.sampleWork = w.current;
                if (w.current != null && (!w.blocked || w.observedBlocked)) {
                    into.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ cancellation (io_wqe_cancel_work)

    /** Cancels matching items: pending ones first, then, unless one was found and not {@code all}, running ones. */
    Cancellation cancel(Predicate<Work<?>> match, boolean all) {
        lock.lock();
        try {
            int pendingFound = cancelPending(match, all);
            if (pendingFound > 0 && !all) {
                return Cancellation.of(pendingFound, 0);
            }
            return Cancellation.of(pendingFound, cancelRunning(match, all));
        } finally {
            unlock();
        }
    }

    /**
     * Removes matching queued items, waiting chain items and pending links; each ends cancelled with
     * the rest of its link chain. Returns how many items ended. Without {@code all}, stops at the first.
     */
    private int cancelPending(Predicate<Work<?>> match, boolean all) {
        int found = 0;
        for (Iterator<Work<?>> it = open.iterator(); it.hasNext() && (all || found == 0); ) {
            Work<?> w = it.next();
            if (match.test(w)) {
                // Ended in place (takers drop it); if a worker took it meanwhile, its start fails, or this end does.
                found += cancelQueued(w);
            } else {
                found += cancelLinks(w, match);
            }
        }
        List<Object> headless = null;
        for (Iterator<Work<?>> it = runQueue.iterator(); it.hasNext() && (all || found == 0); ) {
            Work<?> w = it.next();
            if (match.test(w)) {
                it.remove();
                pending--;
                found += cancelQueued(w);
                (headless == null ? headless = new ArrayList<>(1) : headless).add(w.key());
            } else {
                found += cancelLinks(w, match);
            }
        }
        queuedHeads = runQueue.size();
        for (Iterator<KeyChain> chains = this.chains.values().iterator(); chains.hasNext() && (all || found == 0); ) {
            for (Iterator<Work<?>> it = chains.next().waiting.iterator(); it.hasNext() && (all || found == 0); ) {
                Work<?> w = it.next();
                if (match.test(w)) {
                    it.remove();
                    pending--;
                    found += cancelQueued(w);
                } else {
                    found += cancelLinks(w, match);
                }
            }
        }
        for (Iterator<Worker> it = workers.iterator(); it.hasNext() && (all || found == 0); ) {
            Work<?> current = currentOf(it.next());
            if (current != null) {
                found += cancelLinks(current, match);
            }
        }
        if (headless != null) {
            headless.forEach(this::requeueKey);
        }
        return found;
    }

    /** Ends a queued item and its links as cancelled, if it is still pending; returns how many ended. */
    private int cancelQueued(Work<?> w) {
        if (!w.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
            return 0;
        }
        toPublish.add(w);
        return 1 + pool.cancelChain(w.next(), toPublish);
    }

    /**
     * The item {@code worker} runs, once it is past taking one from the open queue without the lock
     * (a moment, with no lock and no user code in it), so that an item just taken is never missed.
     */
    private static Work<?> currentOf(Worker worker) {
        for (int attempt = 0; worker.taking; attempt++) {
            Backoff.pause(attempt);
        }
        return worker.current;
    }

    /** A key whose queued head was cancelled: queue its next waiting item, or drop the key. */
    private void requeueKey(Object key) {
        KeyChain chain = chains.get(key);
        Work<?> next = chain.waiting.pollFirst();
        if (next == null) {
            chains.remove(key);
        } else {
            queueHead(next);
        }
    }

    /** Cancels the first pending link behind {@code head} that matches, and everything behind it. */
    private int cancelLinks(Work<?> head, Predicate<Work<?>> match) {
        for (Work<?> l = head.next(); l != null; l = l.next()) {
            if (l.isPending() && match.test(l)) {
                return pool.cancelChain(l, toPublish);
            }
        }
        return 0;
    }

    /** Ends matching running items as cancelled and interrupts their workers (unless NO_CANCEL). */
    private int cancelRunning(Predicate<Work<?>> match, boolean all) {
        int found = 0;
        for (Worker worker : workers) {
            Work<?> w = currentOf(worker);
            if (w != null && w.state() == Work.State.RUNNING && match.test(w)) {
                found++;
                cancelRunningItem(w, true, worker);
                if (!all) {
                    break;
                }
            }
        }
        return found;
    }

    /**
     * Ends a running item as cancelled and, if {@code interrupt}, interrupts its worker. The worker is
     * looked up only once the end is held: an item that a worker took from the open queue while this
     * canceller was looking (the item was still being submitted) is then found as that worker's
     * {@code current}, since the worker cannot leave it before the end is published. {@code seenIn}:
     * the worker already seen running it, or {@code null}.
     */
    private boolean cancelRunningItem(Work<?> w, boolean interrupt, Worker seenIn) {
        if (w.isNoCancel() || !w.holdEndToCancel()) {
            return false;
        }
        Worker runner = !interrupt ? null : seenIn != null ? seenIn : runnerOf(w);
        Thread thread = runner != null ? runner.thread : null;
        if (thread != null) {
            thread.interrupt();
        }
        w.endCancelled();
        toPublish.add(w);
        return true;
    }

    /**
     * {@code Future.cancel} of one item of this account; {@code false} if it is not (or no longer)
     * this account's: an item taken back at shutdown leaves it under this lock.
     */
    boolean cancelOne(Work<?> work, boolean mayInterrupt) {
        lock.lock();
        try {
            if (work.account != this) {
                return false;
            }
            if (work.isPending() && cancelPending(w -> w == work, false) > 0) {
                return true;
            }
            return cancelRunningItem(work, mayInterrupt, null);
        } finally {
            unlock();
        }
    }

    /**
     * The worker running {@code work}, whose end the caller holds. An item has no field naming its
     * worker (one store fewer per hand-off, four bytes fewer per item): a running item is the
     * {@code current} of exactly one of this account's workers, which the lock held here keeps listed.
     * The caller's winning compare-and-set on the item's state read the worker's start, so a worker
     * still between its take and {@code current} shows {@code taking}, which {@link #currentOf} waits out.
     */
    private Worker runnerOf(Work<?> work) {
        for (Worker worker : workers) {
            if (currentOf(worker) == work) {
                return worker;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ shutdown and resize

    /** Wakes every idle worker so it drains the queue and exits; makes sure queued work has a worker. */
    void wakeAllForShutdown() {
        lock.lock();
        try {
            callStandingWorkers();
            for (Worker w; (w = freeList.pollFirst()) != null; ) {
                w.free = false;
                setRunning(w, true);
                LockSupport.unpark(w.thread);
            }
            if (hasRunnable() && workers.isEmpty()) {
                wakeOrCreateWorker();
            }
        } finally {
            unlock();
        }
    }

    /** Cancels everything pending and interrupts everything running (shutdownNow); returns what was pending. */
    List<Work<?>> cancelEverything() {
        lock.lock();
        try {
            int from = toPublish.size();
            cancelPending(w -> true, true);
            List<Work<?>> cancelled = new ArrayList<>(toPublish.subList(from, toPublish.size()));
            cancelRunning(w -> true, true);
            return cancelled;
        } finally {
            unlock();
        }
    }

    /** Changes {@code maxWorkers} at run time (IORING_REGISTER_IOWQ_MAX_WORKERS). */
    void resize(int newMax) {
        lock.lock();
        try {
            maxWorkers = newMax;
            concurrency = Math.min(configuredConcurrency, newMax);
            callStandingWorkers(); // on a shrink, one of them may be a surplus
            for (Worker w : freeList) {
                LockSupport.unpark(w.thread); // extra idle workers re-check and exit
            }
            wakeWhileNeeded();
        } finally {
            unlock();
        }
    }

    /** Whether nothing is left: no worker and no queued item. */
    boolean isTerminated() {
        lock.lock();
        try {
            return workers.isEmpty() && pending == 0 && open.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ stats

    /** Takes {@code w} off the worker list, keeping the count of the items it ran. */
    private boolean removeWorker(Worker w) {
        if (!workers.remove(w)) {
            return false;
        }
        setWaking(w, false);
        retiredCompleted += w.completedItems;
        retiredFailed += w.failedItems;
        return true;
    }

    /** Adds the items this account's workers, live and exited, ran to completion and to failure. */
    void countRunEnds(long[] completedAndFailed) {
        lock.lock();
        try {
            long completed = retiredCompleted;
            long failed = retiredFailed;
            for (Worker w : workers) {
                completed += w.completedItems;
                failed += w.failedItems;
            }
            completedAndFailed[0] += completed;
            completedAndFailed[1] += failed;
        } finally {
            lock.unlock();
        }
    }

    IoWqStats.ClassStats stats() {
        lock.lock();
        try {
            int blocked = 0;
            for (Worker w : workers) {
                if (w.blocked) {
                    blocked++;
                }
            }
            return new IoWqStats.ClassStats(maxWorkers, concurrency, workers.size(), running, freeList.size(),
                    blocked, pending + open.sizeUpTo(Integer.MAX_VALUE), chains.size());
        } finally {
            lock.unlock();
        }
    }

    void pendingWork(List<WorkInfo> into, long now) {
        List<Work<?>> waiting = new ArrayList<>();
        lock.lock();
        try {
            waiting.addAll(runQueue);
            chains.values().forEach(chain -> waiting.addAll(chain.waiting));
        } finally {
            lock.unlock();
        }
        for (Work<?> w : open) {
            if (w.isPending()) {
                waiting.add(w);
            }
        }
        waiting.sort(Comparator.comparingLong(Work::id));
        for (Work<?> w : waiting) {
            into.add(WorkInfo.pending(w, node.index, now));
        }
    }

    void runningWork(List<WorkInfo> into, long now, boolean stacks) {
        lock.lock();
        try {
            for (Worker worker : workers) {
                Work<?> w = currentOf(worker);
                if (w != null) {
                    Thread t = worker.thread;
                    into.add(WorkInfo.running(w, node.index, worker.name, worker.blocked, now,
                            stacks && t != null ? t.getStackTrace() : null));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Threads of the live workers, for tests and diagnostics. */
    List<Thread> threads() {
        lock.lock();
        try {
            List<Thread> threads = new ArrayList<>();
            for (Worker w : workers) {
                if (w.thread != null) {
                    threads.add(w.thread);
                }
            }
            return threads;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ invariants and the model-checking seam

    /**
     * Checks the invariants of {@link IoWq}'s comment that live in this account and returns the first
     * one broken, or {@code null}. For tests (the kernel's {@code WARN_ON}s, asked for).
     */
    String invariantViolation() {
        lock.lock();
        try {
            int runningWorkers = 0;
            int waiting = 0;
            for (Worker w : workers) {
                runningWorkers += w.running ? 1 : 0;
                if (w.free != freeList.contains(w)) {
                    return w + ": free flag and free list disagree";
                }
                if (w.free && (w.running || w.current != null)) {
                    return w + ": free but running or in work";
                }
                if (w.current != null && w.current.isHashed() && (w.chain == null || w.chain.owner != w)) {
                    return w + ": runs hashed " + w.current + " without owning its key";
                }
            }
            if (runningWorkers != running) {
                return "running is " + running + " but " + runningWorkers + " workers are running";
            }
            long standingWorkers = workers.stream().filter(w -> w.standing).count();
            if (standingWorkers != standing) {
                return "standing is " + standing + " but " + standingWorkers + " workers stand by";
            }
            for (Worker w : workers) {
                if (w.standing && (!w.running || w.free || w.waking || w.current != null)) {
                    return w + ": stands by but is not running, is free, on its way or in work";
                }
            }
            long wakingWorkers = workers.stream().filter(w -> w.waking).count();
            if (wakingWorkers != waking || workers.stream().anyMatch(w -> w.waking && !w.running)) {
                return "waking is " + waking + " but " + wakingWorkers + " workers are on their way (all running)";
            }
            if (workClass == WorkClass.BOUND && hasRunnable() && running < concurrency && waking == 0
                    && (!freeList.isEmpty() || workers.size() < maxWorkers)) {
                return "idle capacity: runnable items wait, " + running + " of " + concurrency
                        + " run, none is on its way, and a worker could be woken or created";
            }
            for (KeyChain chain : chains.values()) {
                waiting += chain.waiting.size();
                long queued = runQueue.stream().filter(w -> chain.key.equals(w.key())).count();
                if (chain.owner != null ? queued != 0 || chain.owner.chain != chain : queued != 1) {
                    return "key " + chain.key + " has owner " + chain.owner + " and " + queued + " queued heads";
                }
            }
            if (pending != runQueue.size() + waiting) {
                return "pending is " + pending + " but " + (runQueue.size() + waiting) + " items wait";
            }
            if (hasRunnable() && running == 0 && workers.stream().noneMatch(w -> w.blocked)) {
                return "lost wake-up: " + (runQueue.size() + open.sizeUpTo(Integer.MAX_VALUE)) + " runnable items and no worker running";
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds a worker that has no thread, for a model checker to play it with {@link #stepWithoutThread};
     * from then on, every item is timed for standing by and the clock is the model's.
     */
    Worker addWorkerWithoutThread() {
        lock.lock();
        try {
            standbyCheckMask = 0;
            if (modelNanos < 0) {
                modelNanos = 0;
                standbyHeldOffUntil = 0;
            }
            Worker w = new Worker(this, "model-" + (++workerSerial));
            workers.add(w);
            setRunning(w, true);
            return w;
        } finally {
            lock.unlock();
        }
    }

    /**
     * One turn of a thread-less worker's loop, as {@link #next} takes it: finish the current item,
     * stand by or take the next (without the lock when {@code next} would), or go on the free list
     * instead of parking. A turn after one that stood by ends a standby period, as a return from
     * {@code standBy}'s park does (whether or not it was called meanwhile). The model's clock ticks
     * once per turn, so every item of the model is tiny and a hold-off outlasts the model. A free
     * worker that no submitter activated takes nothing, as a parked thread would not wake. Not
     * modelled: the surplus rest (the model's workers never block, so no surplus arises).
     */
    Work<?> stepWithoutThread(Worker w) {
        lock.lock();
        try {
            modelNanos++;
            if (w.free) {
                return null;
            }
            if (w.current == null) {
                if (w.modelStandingBy) { // a standby period ends: as standBy's loop, called or not
                    w.modelStandingBy = keepStandingBy(w);
                    if (w.modelStandingBy) {
                        return null;
                    }
                }
                return takeOrIdleWithoutThread(w);
            }
        } finally {
            unlock();
        }
        finishCurrent(w);
        boolean stand = mayStandBy(w);
        Work<?> open = stand || w.waking ? null : takeOpenIfNoKey(w);
        if (open != null) {
            return open;
        }
        lock.lock();
        try {
            if (stand && startStandingBy(w)) {
                w.modelStandingBy = true; // parked in standBy's loop
                return null;
            }
            return takeOrIdleWithoutThread(w);
        } finally {
            unlock();
        }
    }

    /** {@link #next}'s loop under the lock, where going on the free list stands for parking. */
    private Work<?> takeOrIdleWithoutThread(Worker w) {
        for (;;) {
            setWaking(w, false);
            Work<?> work = takeWork(w, null);
            if (work != null) {
                wakeForMore();
                return work;
            }
            goIdle(w);
            if (!mustLookAgain()) {
                return null;
            }
            undoIdle(w);
        }
    }
}
