package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The pool's manager thread (the seed's {@code io_wq_manager}): it retries worker creation that
 * failed, and, while work waits, watches busy workers for blocking they did not announce — the
 * "observed" half of the seed's {@code io_wq_worker_sleeping} / {@code io_wq_worker_running}.
 * <p>
 * A busy worker is taken as blocked when its thread is seen {@code WAITING} or {@code TIMED_WAITING}
 * (it sleeps, parks or waits: the seed's {@code io_wq_worker_sleeping}, one sample late), or
 * {@code BLOCKED} on a monitor on two samples in a row inside the same item (monitor waits are often
 * short), or when it is {@code RUNNABLE} but its thread CPU time has not moved between two samples
 * and it sits in a native method (blocked in native I/O, where the state still says RUNNABLE). A
 * runnable thread that the OS has not scheduled makes no progress either, so one sample is never
 * enough there, and a thread in Java code is not taken as blocked on CPU time alone. It runs again
 * when it makes progress. A thread without a CPU clock (a virtual thread's is -1) is judged by where
 * it is: blocked when two samples in a row find it runnable in a native method, running again when
 * one finds it runnable in Java code. The period adapts:
 * 1 ms after a change, doubling up to the configured period while nothing changes. While no work
 * waits the manager parks and costs nothing; a submission whose item waits unparks it (only if it observes).
 */
final class Manager implements Runnable {

    private static final long MIN_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final VarHandle IDLE = Fields.of(MethodHandles.lookup(), "idle", boolean.class);

    private final IoWq pool;
    private final Thread thread;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuTime;
    /** {@code observeBlocking}: whether waiting work gives the manager anything to do. */
    private final boolean observes;
    private final long maxSampleNanos;
    private final List<Worker> busy = new ArrayList<>();
    private volatile boolean stopped;
    /** Parked with nothing to watch; the first submitter whose work waits lowers it and unparks the manager. */
    private volatile boolean idle;
    private volatile long samples;

    Manager(IoWq pool) {
        this.pool = pool;
        this.maxSampleNanos = pool.config.blockingSamplePeriod().toNanos();
        this.observes = pool.config.observeBlocking();
        this.cpuTime = threads.isThreadCpuTimeSupported() && enableCpuTime();
        this.thread = new Thread(this, pool.config.threadNamePrefix() + "manager");
        thread.setDaemon(true);
    }

    private boolean enableCpuTime() {
        try {
            if (!threads.isThreadCpuTimeEnabled()) {
                threads.setThreadCpuTimeEnabled(true);
            }
            return true;
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    /** Stops the manager and, unless called on its own thread, waits for the thread to end. */
    void stopAndJoin() {
        stop();
        boolean interrupted = false;
        while (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The seed's {@code io_wq_get_task}: the manager's thread. */
    Thread thread() {
        return thread;
    }

    /** Sample rounds so far (for tests and the cost benchmark). */
    long samples() {
        return samples;
    }

    /** An account's creation retry was scheduled ({@link WorkerCreation#retryDue}): look at the due times again. */
    void retryCreation() {
        LockSupport.unpark(thread);
    }

    /** Until stopped: runs the retries that are due, ticks the clock, and samples while work waits, else parks. */
    @Override
    public void run() {
        try {
            long period = MIN_SAMPLE_NANOS;
            while (!stopped) {
                long wake = runRetries(System.nanoTime());
                boolean workWaits = workWaits(); // parkUntilWorkWaits looks again after it raises its flag
                if (pool.clock.tick(pool.events.ids.get(), workWaits)) {
                    wake = Math.min(wake, System.nanoTime() + CoarseClock.TICK_NANOS);
                }
                if (observes && workWaits) {
                    period = sampleBusyWorkers() ? MIN_SAMPLE_NANOS : Math.min(2 * period, maxSampleNanos);
                    LockSupport.parkNanos(this, Math.max(0, Math.min(wake, System.nanoTime() + period) - System.nanoTime()));
                } else {
                    period = MIN_SAMPLE_NANOS;
                    parkUntilWorkWaits(wake);
                }
            }
        } finally {
            pool.clock.stop();
            pool.managerEnded();
        }
    }

    /**
     * Parks while no work waits, until {@link #workWaiting()}, a retry or {@code deadline}. The flag
     * is raised before the last look at the accounts, and a submitter raises the pending count before
     * it reads the flag: one of the two sees the other, so no waiting work goes unwatched.
     */
    private void parkUntilWorkWaits(long deadline) {
        idle = true;
        try {
            if (observes && workWaits() || stopped) {
                return;
            }
            if (deadline == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, Math.max(0, deadline - System.nanoTime()));
            }
        } finally {
            idle = false;
        }
    }

    /**
     * Work was queued that no worker was woken for: start watching the busy workers. Only the
     * submitter that lowers {@code idle} unparks the manager: until the manager runs again (which,
     * with every CPU busy, can take a while) every submission would otherwise make the system call,
     * and with two submitters on two CPUs that was up to 125,000 a second. A manager that does not
     * observe blocking has nothing to do for waiting work, and is not woken for it: it went straight
     * back to park, to be woken by the next submission (a fifth of a CPU in hand-off).
     */
    void workWaiting() {
        if (observes && idle && IDLE.compareAndSet(this, true, false)) {
            LockSupport.unpark(thread);
        }
    }

    /** Runs the creation retries that are due; returns when the next one is. */
    private long runRetries(long now) {
        long next = Long.MAX_VALUE;
        for (Account a : pool.accounts()) {
            long due = a.creation.retryDue;
            if (due != WorkerCreation.NO_RETRY && due - now <= 0) {
                a.retryCreation(now);
                due = a.creation.retryDue; // what the retry scheduled next
            }
            if (due != WorkerCreation.NO_RETRY) {
                next = Math.min(next, due);
            }
        }
        return next;
    }

    private boolean workWaits() {
        for (Account a : pool.accounts()) {
            if (a.queue.pending() > 0) {
                return true;
            }
        }
        return false;
    }

    /** One sample round over the busy workers of accounts where work waits; returns whether any changed. */
    private boolean sampleBusyWorkers() {
        samples++;
        boolean changed = false;
        for (Account a : pool.accounts()) {
            if (a.queue.pending() == 0) {
                continue;
            }
            busy.clear();
            a.busyWorkers(busy);
            for (Worker w : busy) {
                changed |= sample(a, w);
            }
        }
        busy.clear();
        return changed;
    }

    /**
     * Whether {@code t} is inside a native method: where blocking I/O always ends up, and where a
     * Java thread that the OS merely has not scheduled rarely is. Costs a stack walk, so it is asked
     * only of a RUNNABLE worker that made no CPU progress since the last sample, or has no CPU clock.
     */
    private static boolean inNativeMethod(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length > 0 && stack[0].isNativeMethod()
                && !NEVER_BLOCKING.contains(stack[0].getClassName() + "." + stack[0].getMethodName());
    }

    /**
     * Native methods that return at once: a CPU-bound loop that reads the clock (or a task that wakes
     * another thread) sits in one of them often, and when the OS has not scheduled it its CPU time
     * does not move either.
     */
    private static final Set<String> NEVER_BLOCKING = Set.of("java.lang.System.nanoTime",
            "java.lang.System.currentTimeMillis", "java.lang.System.identityHashCode", "java.lang.System.arraycopy",
            "java.lang.Thread.currentThread", "java.lang.Thread.onSpinWait", "java.lang.Thread.yield",
            "java.lang.Thread.yield0", "java.lang.Object.hashCode", "java.lang.Object.getClass",
            "jdk.internal.misc.Unsafe.unpark");

    private boolean sample(Account account, Worker w) {
        Thread t = w.thread;
        Work<?> work = w.sampleWork;
        if (t == null || work == null) {
            return false;
        }
        Thread.State state = t.getState();
        if (account.lock.hasQueuedThread(t)) {
            return false; // out of its item and queued for the account's lock: it waits for the pool, not in the item
        }
        long cpu = cpuTime ? threads.getThreadCpuTime(t.getId()) : -1;
        boolean sleeping = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        boolean waiting = sleeping || state == Thread.State.BLOCKED;
        if (work.id != w.sampledId) {
            w.sampledId = work.id;
            w.sampledCpuNanos = cpu;
            w.waitingSamples = waiting ? 1 : 0;
            w.nativeSamples = 0;
            return sleeping && account.blocked(w, work, true);
        }
        w.waitingSamples = waiting ? w.waitingSamples + 1 : 0;
        boolean progressed;
        boolean stalled;
        if (cpu >= 0) {
            progressed = cpu != w.sampledCpuNanos;
            stalled = state == Thread.State.RUNNABLE && !progressed && inNativeMethod(t);
        } else { // no CPU clock (a virtual thread's is -1): where it is, in a native method on two samples in a row
            boolean inNative = state == Thread.State.RUNNABLE && inNativeMethod(t);
            w.nativeSamples = inNative ? w.nativeSamples + 1 : 0;
            progressed = state == Thread.State.RUNNABLE && !inNative;
            stalled = w.nativeSamples >= 2;
        }
        w.sampledCpuNanos = cpu;
        if (sleeping || w.waitingSamples >= 2 || stalled) {
            return account.blocked(w, work, true);
        }
        if (progressed && !waiting) {
            return account.unblocked(w, work, true);
        }
        return false;
    }
}
