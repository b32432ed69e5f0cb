package io.iowq.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One class of work on one node: the seed's {@code struct io_wqe_acct}, split as Linux 5.15 split it,
 * so each class has its own lock, run queue, key chains, free list and workers, and workers never
 * leave their class. All fields below {@link #lock} are guarded by it. See {@link IoWq} for the
 * invariants.
 * <p>
 * Work that a critical section decides to hand to user code (a worker to start, an item that ended)
 * is collected under the lock and released by {@link #unlock()}, after the lock is dropped.
 */
final class Account {

    final IoWq pool;
    final Node node;
    final WorkClass workClass;
    final ReentrantLock lock = new ReentrantLock();

    /** Runnable items: unhashed ones, and the head of each key chain that no worker owns. */
    private final ArrayDeque<Work<?>> runQueue = new ArrayDeque<>();
    /** The chain of every active key. */
    private final HashMap<Object, KeyChain> chains = new HashMap<>();
    /** Idle workers, most recently idle first (LIFO: the others may time out). */
    private final ArrayDeque<Worker> freeList = new ArrayDeque<>();
    /** Every live worker, including those whose thread is starting. */
    private final ArrayList<Worker> workers = new ArrayList<>();
    private int maxWorkers;
    private final int configuredConcurrency;
    private int concurrency;
    private int running;
    /** Queued and waiting items; written under the lock, read without it as a hint. */
    private volatile int pending;
    private int workerSerial;
    private int creationFailuresInRow;

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

    /** Drops the lock, then starts the workers and publishes the ends decided under it. */
    private void unlock() {
        if (toStart.isEmpty() && toPublish.isEmpty()) {
            lock.unlock();
            return;
        }
        Worker[] start = toStart.toArray(new Worker[0]);
        Work<?>[] ended = toPublish.toArray(new Work<?>[0]);
        toStart.clear();
        toPublish.clear();
        lock.unlock();
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
            pending++;
            if (work.isHashed()) {
                KeyChain chain = chains.get(work.key());
                if (chain != null) {
                    chain.waiting.addLast(work);
                    return true;
                }
                chains.put(work.key(), new KeyChain(work.key()));
            }
            runQueue.addLast(work);
            if (!((work.isConcurrent() || running < concurrency) && wakeOrCreateWorker())) {
                pool.workWaiting(); // no worker woken for it: have the manager watch the busy ones
            }
            return true;
        } finally {
            unlock();
        }
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
     * and running inside this lock; else reserve a new one, counted as running before its thread starts.
     */
    private boolean wakeOrCreateWorker() {
        Worker free = freeList.pollFirst();
        if (free != null) {
            free.free = false;
            setRunning(free, true);
            LockSupport.unpark(free.thread);
            return true;
        }
        if (!mayCreateWorker()) {
            return false;
        }
        Worker w = new Worker(this, pool.config.threadNamePrefix() + node.index + "-"
                + (workClass == WorkClass.BOUND ? "b" : "u") + "-" + (++workerSerial));
        workers.add(w);
        setRunning(w, true);
        toStart.add(w);
        return true;
    }

    /** Wakes or creates workers while work waits and fewer than the target run. */
    private void wakeWhileNeeded() {
        for (int queued = runQueue.size(); queued > 0 && running < concurrency && wakeOrCreateWorker(); queued--) {
            // one more worker on its way for each queued item
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
                workers.remove(w);
                setRunning(w, false);
                creationFailuresInRow++;
            } finally {
                unlock();
            }
            return e;
        }
    }

    /**
     * The manager's retry after a failed creation. Returns {@code false} when it should stop trying:
     * nothing waits, or the class has workers that will take the work.
     */
    boolean retryCreation(int maxFailuresInRow) {
        lock.lock();
        try {
            if (runQueue.isEmpty() || (!workers.isEmpty() && running > 0)) {
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
            if (workers.remove(w)) {
                // Only on an abnormal exit is the worker still listed; its item was ended by execute.
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
     * One step of the worker loop, under one hold of the lock: finish {@code finished}, then take the
     * next item — {@code link} if it is still pending, else the next item of the owned key chain
     * (within the budget cut when it was taken), else the head of the run queue — or go idle on the
     * free list. Returns {@code null} when the worker must exit.
     */
    Work<?> next(Worker w, Work<?> finished, Work<?> link) {
        lock.lock();
        try {
            if (finished != null) {
                finishCurrent(w);
            }
            for (;;) {
                Work<?> work = takeWork(w, link);
                link = null;
                if (work != null) {
                    return work;
                }
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
     * Clears the finished item. The interrupt status is cleared here, under the lock that cancel
     * holds while it interrupts, and before the next item is assigned: an interrupt aimed at one item
     * can never reach another.
     */
    private void finishCurrent(Worker w) {
        w.current.runner = null;
        w.current = null;
        Thread.interrupted();
        markRunning(w);
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
                    releaseChain(w, false); // this worker takes from the queue next
                }
                candidate = runQueue.pollFirst();
                if (candidate == null) {
                    return null;
                }
                pending--;
                if (candidate.isHashed()) {
                    takeChain(w, candidate.key());
                }
            }
            if (candidate.start()) {
                candidate.account = this;
                candidate.runner = w;
                candidate.startNanos = System.nanoTime();
                w.current = candidate;
                return candidate;
            }
            // A link cancelled before it was queued: its canceller accounted for it.
        }
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
        runQueue.addLast(head);
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
        w.free = true;
        freeList.addFirst(w);
        setRunning(w, false);
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

    private void retire(Worker w) {
        workers.remove(w);
        setRunning(w, false);
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

    /** The manager observed {@code w} blocked in {@code work}; applies only if it is still there. */
    boolean observedBlocked(Worker w, Work<?> work) {
        lock.lock();
        try {
            return w.current == work && markBlocked(w, true);
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
        w.blocked = true;
        w.observedBlocked = observed;
        setRunning(w, false);
        wakeWhileNeeded();
        return true;
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
        return pending > 0;
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
        List<Object> headless = null;
        for (Iterator<Work<?>> it = runQueue.iterator(); it.hasNext() && (all || found == 0); ) {
            Work<?> w = it.next();
            if (match.test(w)) {
                it.remove();
                pending--;
                found += pool.cancelChain(w, toPublish);
                if (w.isHashed()) {
                    (headless == null ? headless = new ArrayList<>(1) : headless).add(w.key());
                }
            } else {
                found += cancelLinks(w, match);
            }
        }
        for (Iterator<KeyChain> chains = this.chains.values().iterator(); chains.hasNext() && (all || found == 0); ) {
            for (Iterator<Work<?>> it = chains.next().waiting.iterator(); it.hasNext() && (all || found == 0); ) {
                Work<?> w = it.next();
                if (match.test(w)) {
                    it.remove();
                    pending--;
                    found += pool.cancelChain(w, toPublish);
                } else {
                    found += cancelLinks(w, match);
                }
            }
        }
        for (Iterator<Worker> it = workers.iterator(); it.hasNext() && (all || found == 0); ) {
            Worker worker = it.next();
            if (worker.current != null) {
                found += cancelLinks(worker.current, match);
            }
        }
        if (headless != null) {
            headless.forEach(this::requeueKey);
        }
        return found;
    }

    /** A key whose queued head was cancelled: queue its next waiting item, or drop the key. */
    private void requeueKey(Object key) {
        KeyChain chain = chains.get(key);
        Work<?> next = chain.waiting.pollFirst();
        if (next == null) {
            chains.remove(key);
        } else {
            runQueue.addLast(next);
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

    /** Interrupts matching running items (unless NO_CANCEL), under the lock that guards {@code current}. */
    private int cancelRunning(Predicate<Work<?>> match, boolean all) {
        int found = 0;
        for (Worker worker : workers) {
            Work<?> w = worker.current;
            if (w != null && w.state() == Work.State.RUNNING && match.test(w)) {
                found++;
                interruptRunning(worker, w);
                if (!all) {
                    break;
                }
            }
        }
        return found;
    }

    private boolean interruptRunning(Worker worker, Work<?> w) {
        if (w.isNoCancel() || !w.end(Work.State.RUNNING, Work.State.CANCELLED, null)) {
            return false;
        }
        toPublish.add(w);
        Thread t = worker.thread;
        if (t != null) {
            t.interrupt();
        }
        return true;
    }

    /** {@code Future.cancel} of one item of this account. */
    boolean cancelOne(Work<?> work, boolean mayInterrupt) {
        lock.lock();
        try {
            if (work.isPending()) {
                return cancelPending(w -> w == work, false) > 0;
            }
            Worker runner = work.runner;
            if (runner == null || runner.current != work) {
                return false;
            }
            if (mayInterrupt) {
                return interruptRunning(runner, work);
            }
            if (work.isNoCancel() || !work.end(Work.State.RUNNING, Work.State.CANCELLED, null)) {
                return false;
            }
            toPublish.add(work);
            return true;
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------ shutdown and resize

    /** Wakes every idle worker so it drains the queue and exits; makes sure queued work has a worker. */
    void wakeAllForShutdown() {
        lock.lock();
        try {
            for (Worker w; (w = freeList.pollFirst()) != null; ) {
                w.free = false;
                setRunning(w, true);
                LockSupport.unpark(w.thread);
            }
            if (!runQueue.isEmpty() && workers.isEmpty()) {
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
            return workers.isEmpty() && pending == 0;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ stats

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
                    blocked, pending, chains.size());
        } finally {
            lock.unlock();
        }
    }

    void pendingWork(List<WorkInfo> into, long now) {
        lock.lock();
        try {
            for (Work<?> w : runQueue) {
                into.add(WorkInfo.pending(w, node.index, now));
            }
            for (KeyChain chain : chains.values()) {
                for (Work<?> w : chain.waiting) {
                    into.add(WorkInfo.pending(w, node.index, now));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    void runningWork(List<WorkInfo> into, long now, boolean stacks) {
        lock.lock();
        try {
            for (Worker worker : workers) {
                Work<?> w = worker.current;
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
            if (!runQueue.isEmpty() && running == 0 && workers.stream().noneMatch(w -> w.blocked)) {
                return "lost wake-up: " + runQueue.size() + " runnable items and no worker running";
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Adds a worker that has no thread, for a model checker to play it with {@link #stepWithoutThread}. */
    Worker addWorkerWithoutThread() {
        lock.lock();
        try {
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
     * take the next, or go on the free list instead of parking. A free worker that no submitter
     * activated takes nothing, as a parked thread would not wake.
     */
    Work<?> stepWithoutThread(Worker w) {
        lock.lock();
        try {
            if (w.free) {
                return null;
            }
            if (w.current != null) {
                finishCurrent(w);
            }
            Work<?> work = takeWork(w, null);
            if (work == null) {
                w.free = true;
                freeList.addFirst(w);
                setRunning(w, false);
            }
            return work;
        } finally {
            unlock();
        }
    }
}
