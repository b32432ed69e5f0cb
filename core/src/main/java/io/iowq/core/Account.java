package io.iowq.core;

import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One class of work: the seed's {@code struct io_wqe_acct}, split per class (Linux 5.15)
 * and locked as io-wq 6.x locks it: one lock over its {@link WorkQueue}, workers and counts. Its
 * invariants are in {@code docs/architecture.md}; each method that needs the lock asserts it (here
 * and in {@link Worker}'s loop). No user code runs under it: what a critical section decides to wake
 * or start is done by {@link #unlock()}, and keys' methods are called only on {@link #keys}, outside.
 */
final class Account {

    final IoWq pool;
    final WorkClass workClass;
    final WorkerCreation creation;
    private final int configuredConcurrency;
    private final int capacity;
    /** The chain of every key with work, looked up outside {@link #lock}; a chain's fields are guarded by it. */
    private final ConcurrentHashMap<Object, KeyChain> keys = new ConcurrentHashMap<>();

    /** The lock protects access to the fields below (io-wq 6.x's {@code acct->lock}). */
    final ReentrantLock lock = new ReentrantLock();
    final WorkQueue queue = new WorkQueue(lock);
    /** Idle workers, most recently idle first: the others may time out (the seed's {@code free_list}). */
    final ArrayDeque<Worker> freeList = new ArrayDeque<>();
    /** Every worker, including those whose thread is starting (the seed's {@code all_list}). */
    final ArrayList<Worker> workers = new ArrayList<>();
    /** Workers in work and not blocked, or on their way to take work (the seed's {@code nr_running}). */
    int running;
    int maxWorkers;
    int concurrency;
    private int workerSerial;
    /** What to do once the lock is dropped ({@link #unlock()}). */
    private final ArrayList<Thread> toUnpark = new ArrayList<>(2);
    private final ArrayList<Worker> toStart = new ArrayList<>(1);
    final ArrayList<KeyChain> toForget = new ArrayList<>(1);
    final ArrayList<Work<?>> toPublish = new ArrayList<>(0);
    /** Workers retired under the lock, counted out of the pool's busy count once what was cancelled is published. */
    private int retiredHere;

    Account(IoWq pool, WorkClass workClass, IoWqConfig config) {
        this.pool = pool;
        this.workClass = workClass;
        this.maxWorkers = config.maxWorkers(workClass);
        this.configuredConcurrency = config.concurrency(workClass);
        this.concurrency = configuredConcurrency;
        this.capacity = config.queueCapacity(workClass);
        this.creation = new WorkerCreation(this);
    }

    /** Drops the lock, then wakes, forgets, publishes, counts out and starts what it decided. */
    void unlock() {
        assert lock.isHeldByCurrentThread();
        if (toUnpark.isEmpty() && toStart.isEmpty() && toForget.isEmpty() && toPublish.isEmpty() && retiredHere == 0) {
            lock.unlock();
            return;
        }
        int retired = retiredHere;
        retiredHere = 0;
        List<Thread> unpark = takeAll(toUnpark);
        List<Worker> start = takeAll(toStart);
        List<KeyChain> forget = takeAll(toForget);
        List<Work<?>> ended = takeAll(toPublish);
        lock.unlock();
        for (Thread t : unpark) {
            LockSupport.unpark(t);
        }
        for (KeyChain chain : forget) {
            keys.remove(chain.key, chain); // the key's own equals and hashCode: user code
        }
        pool.events.publishCancelled(ended);
        for (int i = 0; i < retired; i++) {
            pool.workerGone(); // after the publication: the pool cannot terminate before an end is told
        }
        for (Worker w : start) {
            creation.start(w);
        }
    }

    /** Empties {@code list}, returning what it held (without allocating when it held nothing). */
    private static <T> List<T> takeAll(ArrayList<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> all = List.copyOf(list);
        list.clear();
        return all;
    }

    /** Calls {@code action} under the lock, then does what it decided. */
    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            unlock();
        }
    }

    /** Runs {@code action} under the lock, then does what it decided ({@link #unlock()}). */
    void locked(Runnable action) {
        locked(() -> {
            action.run();
            return null;
        });
    }

    // ------------------------------------------------------------------ submission

    /**
     * Queues an item (the seed's {@code io_wqe_enqueue}) and wakes or creates a worker if it should.
     * A submission is accepted here, under the lock that decides whether it may be: returns why it
     * is refused, queuing nothing, or {@code null}. A link handed over by a worker ({@code link}) is
     * already accepted, and refused only once the pool is stopped.
     * @throws RuntimeException what the key's {@code hashCode} or {@code equals} threw; nothing is queued
     */
    String enqueue(Work<?> work, ContextHook.Snapshot context, boolean link) {
        KeyChain chain = lockWithChain(work);
        try {
            String refusal = link ? (pool.isStopped() ? "iowq is stopped" : null) : refusal();
            if (refusal != null) {
                forgetIfUnused(chain);
                return refusal;
            }
            if (!link) {
                work.acceptChain(this, context);
            }
            work.account = this;
            // A cancel of a link not queued yet ends it outside every lock, then looks where it went
            // (Cancel.cancelPending): with a fence on both sides, one of the two sees the other.
            if (link) {
                VarHandle.fullFence();
                if (!work.isPending()) {
                    forgetIfUnused(chain);
                    return null;
                }
            }
            queue.insert(work, chain);
            if (work.isConcurrent() || (running < concurrency && queue.runnable() == 1)) {
                wakeOrCreate();
            } else if (running >= concurrency) {
                pool.manager().workWaiting(); // no worker woken for it: the manager watches for blocking
            } // else a worker is on its way, and wakes another if more wait than are on their way (wakeForBacklog)
            return null;
        } finally {
            unlock();
        }
    }

    /** Takes the lock, with the live chain of {@code work}'s key if it is hashed, looked up outside the lock. */
    private KeyChain lockWithChain(Work<?> work) {
        for (;;) {
            KeyChain chain = work.isHashed() ? keys.computeIfAbsent(work.key(), KeyChain::new) : null;
            lock.lock();
            if (chain == null || !chain.dead) {
                return chain;
            }
            lock.unlock(); // emptied meanwhile: out of the map, and look again
            keys.remove(work.key(), chain);
        }
    }

    /** A chain made for an item that was not queued leaves the key map, unless another uses it (a finder of a dead one looks again). */
    private void forgetIfUnused(KeyChain chain) {
        if (chain != null && chain.owner == null && !chain.queued && chain.waiting.isEmpty() && !chain.dead) {
            chain.dead = true;
            toForget.add(chain);
        }
    }

    /** Why a submission must be refused now (the seed's {@code io_wq_can_queue}), or {@code null}. */
    private String refusal() {
        assert lock.isHeldByCurrentThread();
        if (pool.refuses(Worker.current())) {
            return "iowq is shut down";
        }
        if (queue.pending() >= capacity) {
            return "iowq: the " + workClass.tag() + " queue is full (queue capacity " + capacity + ")";
        }
        ThreadLimit limit = pool.config.threadLimit();
        if (workClass == WorkClass.UNBOUND && freeList.isEmpty() && running == 0 && workers.size() < maxWorkers
                && limit.reached()) {
            return "iowq: the process is at its thread limit (" + limit.limit() + " from " + limit.source()
                    + ") and no unbound worker is free or running";
        }
        return null;
    }

    /**
     * Wakes a free worker (the seed's {@code io_wqe_activate_free_worker}), else reserves a new one
     * (its {@code create_io_worker}), counted running at once: a burst wakes no more than it needs.
     */
    boolean wakeOrCreate() {
        assert lock.isHeldByCurrentThread();
        Worker w = freeList.pollFirst();
        if (w != null) {
            w.free = false;
            toUnpark.add(w.thread);
        } else if (workers.size() < creation.limit(maxWorkers)
                && (workClass == WorkClass.BOUND || !pool.config.threadLimit().reached())) {
            String prefix = pool.config.threadNamePrefix() + (workClass == WorkClass.BOUND ? "b-" : "u-");
            w = new Worker(this, prefix + ++workerSerial);
            workers.add(w);
            pool.workerReserved();
            toStart.add(w);
        } else {
            creation.retryIfHeld(maxWorkers);
            return false;
        }
        running++;
        return true;
    }

    /**
     * A worker took an item: if the runnable items outnumber the workers on their way to take one,
     * and fewer than the target run, one more is woken (the seed's {@code io_wqe_wake_worker}, passed
     * along from worker to worker while the queue outruns them). If the target already runs, the
     * manager is told that work waits: the submissions may all have come while fewer ran.
     */
    void wakeForBacklog() {
        assert lock.isHeldByCurrentThread();
        if (queue.runnable() > 0 && running < concurrency && queue.runnable() > onTheirWay()) {
            wakeOrCreate();
        } else if (queue.runnable() > 0 && running >= concurrency) {
            pool.manager().workWaiting();
        }
    }

    /** The seed's {@code io_wqe_wake_worker}: wakes or creates workers while runnable work waits and fewer than {@code target} run. */
    void wakeWhile(int target, int runnable) {
        assert lock.isHeldByCurrentThread();
        for (int n = runnable; n > 0 && running < target && wakeOrCreate(); n--) {
            // one more on its way
        }
    }

    // ------------------------------------------------------------------ the worker's side (with Worker)

    /** Whether a worker may exit now: never the pool's last started bound worker while it runs. */
    boolean mayRetire() {
        assert lock.isHeldByCurrentThread();
        if (workClass == WorkClass.UNBOUND || pool.isShutdown()) {
            return true;
        }
        return count(w -> w.started) > 1;
    }

    /** The seed's {@code io_worker_exit}: off the worker list, out of the busy count once {@link #unlock()} has published. */
    void retire(Worker w) {
        assert lock.isHeldByCurrentThread();
        w.retired = true;
        if (workers.remove(w)) {
            retiredHere++;
        }
    }

    /** {@code w}'s thread ends. After an abnormal end (an {@code Error} in the pool's own code) it is cleaned up here. */
    void workerExited(Worker w) {
        locked(() -> {
            if (!w.retired) {
                if (w.free) {
                    freeList.remove(w);
                } else if (!w.blocked) {
                    running--;
                }
                w.current = null;
                queue.release(w, toForget);
                retire(w);
                wakeWhile(concurrency, queue.runnable());
            }
        });
        pool.tryTerminate();
    }

    // ------------------------------------------------------------------ creation (with WorkerCreation)

    /** Reserves the pool's first worker, for its constructor, which starts it itself. */
    Worker reserveFirstWorker() {
        return locked(() -> {
            wakeOrCreate();
            return toStart.remove(0);
        });
    }

    /** A reserved worker whose thread could not start is taken back; a free worker takes its place if work waits. */
    void creationFailed(Worker w) {
        locked(() -> {
            workers.remove(w);
            running--;
            w.retired = true;
            pool.workerGone();
            if (!freeList.isEmpty()) {
                wakeWhile(concurrency, Math.min(1, queue.runnable()));
            }
        });
    }

    /**
     * The seed's {@code io_wqe_need_worker}: the manager's retry after failed creations, if one is due
     * at {@code now}: a worker for work that waits while none takes it. Whether one was asked for.
     */
    boolean retryCreation(long now) {
        return locked(() -> {
            if (!creation.takeDueRetry(now) || queue.pending() == 0 || (running >= concurrency && !workers.isEmpty())) {
                return false;
            }
            creation.allowOneMore();
            int before = toStart.size();
            wakeOrCreate();
            return toStart.size() > before;
        });
    }

    // ------------------------------------------------------------------ blocking (io_wq_worker_sleeping / _running)

    /** The seed's {@code io_wq_worker_sleeping} and {@code io_wqe_dec_running}: {@code w} blocks, told ({@link Blocking}) or observed in {@code work}. */
    boolean blocked(Worker w, Work<?> work, boolean observed) {
        ContextHook.Scope installed = locked(() -> {
            if (w.blocked && !observed) {
                w.observedBlocked = false; // told now: the manager no longer takes it back on seeing progress
                return null;
            }
            if (w.blocked || w.current == null || (observed && w.current != work)) {
                return null;
            }
            w.blocked = true;
            w.observedBlocked = observed;
            running--;
            wakeWhile(observed ? lagTarget() : concurrency, queue.runnable() - (observed ? onTheirWay() : 0));
            ContextHook.Scope scope = w.installed; // read once: its worker writes it without this lock
            return scope != null ? scope : ContextHook.Scope.NOOP; // the current item's, or none yet
        });
        if (installed != null) {
            pool.events.blocked(installed, observed);
        }
        return FlightEvents.blocked(w, work, observed, installed != null);
    }

    /** The seed's {@code io_wq_worker_running} and {@code io_wqe_inc_running}: {@code w} runs again, told, or observed making progress in {@code work}. */
    boolean unblocked(Worker w, Work<?> work, boolean observed) {
        return locked(() -> {
            if (!w.blocked || (observed && (w.current != work || !w.observedBlocked))) {
                return false;
            }
            w.blocked = false;
            w.observedBlocked = false;
            running++;
            return true;
        });
    }

    /**
     * The manager sees blocking a sample period late: an observed block wakes workers until as many
     * run as are blocked (at least the target), so while queued work keeps blocking the pool doubles
     * per sample round, up to {@code maxWorkers}. CPU-bound work in Java code is never observed blocked.
     */
    private int lagTarget() {
        assert lock.isHeldByCurrentThread();
        return Math.max(count(w -> w.blocked), concurrency);
    }

    /** Workers woken or starting, not in an item yet: each will take one of the queued. */
    private int onTheirWay() {
        return count(w -> !w.free && !w.blocked && w.current == null);
    }

    /** How many of the account's workers {@code test} holds for. */
    private int count(Predicate<Worker> test) {
        assert lock.isHeldByCurrentThread();
        int n = 0;
        for (Worker w : workers) {
            n += test.test(w) ? 1 : 0;
        }
        return n;
    }

    /** The workers busy in an item and not told blocked, each stamped with that item, for the manager to sample. */
    void busyWorkers(List<Worker> into) {
        locked(() -> {
            for (Worker w : workers) {
                w.sampleWork = w.current;
                if (w.current != null && (!w.blocked || w.observedBlocked)) {
                    into.add(w);
                }
            }
        });
    }

    // ------------------------------------------------------------------ shutdown, resize, stats

    /** The seed's {@code io_wq_worker_wake}: at shutdown, free workers exit now if nothing waits, else they are woken to drain the queue. */
    void shutdown() {
        locked(() -> {
            if (queue.pending() == 0) {
                for (Worker w; (w = freeList.pollFirst()) != null; ) {
                    w.free = false;
                    retire(w);
                    toUnpark.add(w.thread);
                }
            } else {
                wakeWhile(Integer.MAX_VALUE, freeList.isEmpty() && workers.isEmpty() ? 1 : freeList.size());
            }
        });
    }

    /** Changes {@code maxWorkers} at run time (the later kernels' {@code IORING_REGISTER_IOWQ_MAX_WORKERS}). */
    void resize(int newMax) {
        locked(() -> {
            maxWorkers = newMax;
            concurrency = Math.min(configuredConcurrency, newMax);
            for (Worker w : freeList) {
                toUnpark.add(w.thread); // on a shrink, extra idle workers look again and exit
            }
            wakeWhile(concurrency, queue.runnable());
        });
    }

    IoWqStats.ClassStats stats() {
        return locked(() -> new IoWqStats.ClassStats(maxWorkers, concurrency, workers.size(), running,
                freeList.size(), count(w -> w.blocked), queue.pending(), queue.liveKeys(), creation.limit(maxWorkers)));
    }

    /** Adds each pending item (queued, or behind a key a worker owns) to {@code into}, in queue order. */
    void pending(List<Work<?>> into) {
        assert lock.isHeldByCurrentThread();
        queue.collect(into);
        for (Worker w : workers) {
            if (w.chain != null) {
                w.chain.waiting.copyTo(into);
            }
        }
    }

    /** Threads of the live workers, for leak checks and diagnostics. */
    List<Thread> threads() {
        return locked(() -> workers.stream().map(w -> w.thread).filter(t -> t != null).toList());
    }
}
