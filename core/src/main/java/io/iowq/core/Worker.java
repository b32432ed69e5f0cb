package io.iowq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker thread: the seed's {@code struct io_worker} and its {@code io_wqe_worker} loop. The
 * flags mirror the seed's {@code IO_WORKER_F_*}; all are guarded by the account's lock but
 * {@link #thread}, written before the thread starts, and the fields of the manager and of the
 * worker's own thread, marked so.
 */
final class Worker implements Runnable {

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

    /** Its account (the seed's {@code io_wqe_get_acct}). */
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
    /** Its thread has run it (a reserved worker's thread may still fail to start, or not run it yet). */
    boolean started;
    /** The item it runs, findable by cancel (the seed's {@code cur_work}). */
    Work<?> current;
    /** The key it owns, and how many of the items that waited for the key when it took it are still to run. */
    KeyChain chain;
    int budget;
    /** The item the manager saw it in at its last look; dropped when it leaves the item. */
    Work<?> sampleWork;
    /** The installed context of {@link #current} if it has one, from its install to its close, else {@code null}; written by the worker. */
    volatile ContextHook.Scope installed;

    // Touched only by this worker's own thread.
    private int blockingDepth;
    /** The link of the item just run, to run next on this worker (held here, not in a local of a frame that parks). */
    Work<?> link;

    // Touched only by the manager thread.
    /** The id of the item it was in at the manager's previous sample (an id, so no ended item stays reachable). */
    long sampledId;
    long sampledCpuNanos;
    int waitingSamples;
    /** Samples in a row that found it runnable in a native method, for a thread without a CPU clock. */
    int nativeSamples;

    Worker(Account account, String name) {
        this.account = account;
        this.name = name;
    }

    /** The worker running in the calling thread, or {@code null}. */
    static Worker current() {
        return CURRENT.get();
    }

    /** The seed's {@code io_wqe_worker} (started by its {@code io_worker_start}): take, run (with the links that run here), until told to exit. */
    @Override
    public void run() {
        CURRENT.set(this);
        try {
            FlightEvents.worker(this, false);
            Work<?> work = next(false);
            while (work != null) {
                link = handle(work);
                work = null; // no frame of an idle worker keeps the last item reachable
                work = next(true);
            }
        } finally {
            CURRENT.remove();
            account.workerExited(this);
            FlightEvents.worker(this, true);
        }
    }

    // ------------------------------------------------------------------ under account.lock

    /**
     * The seed's {@code io_assign_current_work}: the next item for this worker, after an item if {@code afterItem} (then {@link #link} is the
     * link to run here, or {@code null}). Waits while nothing is runnable; returns {@code null} when
     * the worker is to exit.
     */
    private Work<?> next(boolean afterItem) {
        account.lock.lock();
        try {
            if (afterItem) {
                leaveItem();
            } else {
                started = true;
            }
            Work<?> l = link;
            link = null;
            if (l != null && account.pool.isStopped()) {
                Cancel.cancelChain(l, account.toPublish); // shutdownNow may have looked before the link was here
            } else if (l != null) {
                l.worker = this;
                if (l.start()) {
                    return enter(l);
                }
            }
            l = null; // nothing of an item stays reachable from an idle worker
            return takeOrIdle(afterItem);
        } finally {
            account.unlock();
        }
    }

    /** Makes {@code work}, just started, its current item, stamped with its start: both published by the lock. */
    private Work<?> enter(Work<?> work) {
        assert account.lock.isHeldByCurrentThread();
        work.startNanos = account.pool.stamp(work.id);
        current = work;
        return work;
    }

    /** Out of its item: it counts running again if it was blocked, and loses any interrupt aimed at the item. */
    private void leaveItem() {
        assert account.lock.isHeldByCurrentThread();
        current = null;
        sampleWork = null;
        if (blocked) {
            blocked = false;
            observedBlocked = false;
            account.running++;
        }
        Thread.interrupted(); // a cancel interrupts only under this lock, while the item is current
    }

    /**
     * Takes the next item, or idles until there is one. A worker out of an item while more than the
     * target run ({@code surplusRests}: one was blocked and runs again) rests instead, so CPU-bound work
     * keeps the class at its target. After shutdown a worker with nothing to take exits.
     */
    private Work<?> takeOrIdle(boolean surplusRests) {
        Account a = account;
        assert a.lock.isHeldByCurrentThread();
        for (;; surplusRests = false) {
            if ((!surplusRests || a.running <= a.concurrency) && !a.pool.isStopped()) {
                Work<?> work = a.queue.take(this, a.toForget);
                if (work != null) {
                    enter(work);
                    a.wakeForBacklog();
                    return work;
                }
            }
            a.queue.release(this, a.toForget);
            if (a.pool.isShutdown()) {
                a.running--;
                a.retire(this);
                a.wakeWhile(a.concurrency, a.queue.runnable());
                return null;
            }
            if (!idle()) {
                return null;
            }
        }
    }

    /**
     * Note: drops the account's lock while parked. The seed's {@code __io_worker_idle}: parks on the
     * free list until a waker activates it ({@code io_wqe_worker} in {@code schedule_timeout}); returns
     * {@code false} if it is to exit instead: idle timeout, a shrink, or shutdown.
     */
    private boolean idle() {
        Account a = account;
        assert a.lock.isHeldByCurrentThread();
        a.running--;
        free = true;
        a.freeList.addFirst(this);
        long deadline = System.nanoTime() + a.pool.config.idleTimeout().toNanos();
        while (free && !retired) {
            long left = deadline - System.nanoTime();
            if ((left <= 0 || a.workers.size() > a.maxWorkers) && a.mayRetire()) {
                a.freeList.remove(this);
                free = false;
                a.retire(this);
                break;
            }
            a.unlock(); // and what the lock decided so far (a key to forget)
            if (left > 0) {
                LockSupport.parkNanos(a, left);
            } else {
                LockSupport.park(a); // the pool's last bound worker: until work comes or the pool shuts down
            }
            a.lock.lock();
        }
        return !retired;
    }

    // ------------------------------------------------------------------ outside every lock

    /**
     * The seed's {@code io_worker_handle_work} for one item: runs it with the submitter's context
     * installed ({@code io_impersonate_work}), ends it, publishes the end, and returns its link if that
     * link is to run next on this worker.
     */
    private Work<?> handle(Work<?> work) {
        IoWq pool = account.pool;
        long start = work.startNanos;
        FlightEvents.Ended flight = FlightEvents.started(work);
        Object outcome;
        Work.State end;
        ContextHook.Scope scope = ContextHook.Scope.NOOP;
        try {
            scope = work.context.install();
            if (scope != ContextHook.Scope.NOOP) {
                installed = scope;
            }
            outcome = work.call();
            end = Work.State.COMPLETED;
        } catch (Throwable t) {
            outcome = t;
            end = Work.State.FAILED;
        }
        FlightEvents.ran(flight);
        if (scope != ContextHook.Scope.NOOP) {
            installed = null;
        }
        try {
            scope.close();
        } catch (Throwable t) {
            pool.events.hookFailures.increment();
        }
        if (work.end(Work.State.RUNNING, end, outcome)) {
            (end == Work.State.COMPLETED ? pool.events.completed : pool.events.failed).increment();
            pool.events.tellEnded(work, start);
            if (end == Work.State.FAILED && work.reportsUncaught()) {
                reportUncaught((Throwable) outcome);
            }
        } else {
            // Cancelled while it ran: its interrupt is sent under the account's lock, so once that is
            // passed none can come, and the links' cancellation runs without it.
            Cancel.awaitInterrupt(account);
            Thread.interrupted();
        }
        FlightEvents.ended(flight, work);
        return followLink(work);
    }

    /** The seed's linked work: the link runs on this worker, is queued where it belongs, or the rest of the chain is cancelled. */
    private Work<?> followLink(Work<?> work) {
        Work<?> link = work.next();
        IoWq pool = account.pool;
        if (link == null || (!link.isHashed() && link.workClass() == account.workClass
                && work.state() == Work.State.COMPLETED)) {
            return link;
        }
        List<Work<?>> ended = new ArrayList<>();
        try {
            if (work.state() == Work.State.COMPLETED
                    && pool.account(link.workClass()).enqueue(link, null, true) == null) {
                pool.linksHandedOver.incrementAndGet(); // before this worker lets go of its item, which holds the link
                return null;
            }
            Cancel.cancelChain(link, ended); // its head failed or was cancelled, or the pool stopped
        } catch (RuntimeException | Error e) { // the link's key's hashCode or equals threw
            if (link.end(Work.State.PENDING, Work.State.FAILED, e)) {
                pool.events.failed.increment();
                pool.events.tellEnded(link, 0);
            }
            Cancel.cancelChain(link.next(), ended);
        }
        pool.events.publishCancelled(ended);
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

    /** Entering a blocking call ({@link Blocking}) in the calling thread; nested calls count once. Returns its worker, or {@code null} outside one. */
    static Worker beginBlocking() {
        Worker w = CURRENT.get();
        if (w != null && w.blockingDepth++ == 0) {
            w.account.blocked(w, null, false);
        }
        return w;
    }

    /** Leaving a blocking call that {@link #beginBlocking()} entered in worker {@code w} (or outside one, {@code null}). */
    static void endBlocking(Worker w) {
        if (w != null && --w.blockingDepth == 0) {
            w.account.unblocked(w, null, false);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
