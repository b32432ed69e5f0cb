package io.iowq.core;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * Starting an account's worker threads, and what happens when the system refuses one (the seed's
 * {@code create_io_worker} and its failure path, with the retries later kernels added).
 * <p>
 * A failure never loses work: the item stays queued and the manager tries again after a delay that
 * doubles with each failure in a row, from {@value #FIRST_RETRY_MILLIS} ms up to
 * {@value #MAX_RETRY_MILLIS} ms. Meanwhile the class is limited to the workers it has (what the
 * system gave), so a burst does not hammer the system with creations bound to fail; the first
 * creation that succeeds lifts the limit. One warning is logged per such episode. When the class has
 * no worker at all and {@value #MAX_FAILURES_WITHOUT_WORKERS} creations in a row failed, what waits
 * there is cancelled rather than left to hang (later kernels cancel the work of an account that cannot get
 * its first worker).
 */
final class WorkerCreation {

    static final int MAX_FAILURES_WITHOUT_WORKERS = 8;
    static final long FIRST_RETRY_MILLIS = 5;
    static final long MAX_RETRY_MILLIS = 1_000;
    /** {@link #retryDue} when no retry is scheduled. */
    static final long NO_RETRY = Long.MIN_VALUE;
    private static final System.Logger LOG = System.getLogger(IoWq.class.getName());

    private final Account account;

    // Guarded by account.lock.
    private int failuresInRow;
    /** The most workers while creations fail: as many as there were at the last failure; -1 when not limited. */
    private int limit = -1;
    /** When the manager is to try again ({@code System.nanoTime()}), or {@link #NO_RETRY}; volatile for its look without the lock. */
    volatile long retryDue = NO_RETRY;

    WorkerCreation(Account account) {
        this.account = account;
    }

    /** The most workers the class may have now: {@code maxWorkers}, or fewer while creations fail. */
    int limit(int maxWorkers) {
        assert account.lock.isHeldByCurrentThread();
        return limit < 0 ? maxWorkers : Math.min(limit, maxWorkers);
    }

    /** A retry may create one worker beyond the limit the last failure set. */
    void allowOneMore() {
        assert account.lock.isHeldByCurrentThread();
        if (limit >= 0) {
            limit = account.workers.size() + 1;
        }
    }

    /** Takes the retry scheduled for {@code now} or earlier, if there is one. */
    boolean takeDueRetry(long now) {
        assert account.lock.isHeldByCurrentThread();
        if (retryDue == NO_RETRY || retryDue - now > 0) {
            return false;
        }
        retryDue = NO_RETRY;
        return true;
    }

    /**
     * Has the manager try again after the current back-off (doubling from {@code FIRST_RETRY_MILLIS}
     * per failure in a row, up to {@code MAX_RETRY_MILLIS}), unless it already will sooner: one retry
     * per account is enough. Whether this moved the retry earlier.
     */
    private boolean retryAfterBackoff() {
        assert account.lock.isHeldByCurrentThread();
        long millis = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(20, Math.max(1, failuresInRow) - 1));
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        if (retryDue == NO_RETRY || due - retryDue < 0) {
            retryDue = due;
            return true;
        }
        return false;
    }

    /**
     * A worker was wanted and the failure limit refused it: the manager tries again after the current
     * back-off, so a limit whose retry came while nothing waited does not hold the class for good.
     */
    void retryIfHeld(int maxWorkers) {
        assert account.lock.isHeldByCurrentThread();
        if (limit >= 0 && account.workers.size() >= limit && limit < maxWorkers && retryAfterBackoff()) {
            account.pool.manager().retryCreation();
        }
    }

    /** Starts a reserved worker's thread; on failure takes the reservation back and schedules a retry. */
    void start(Worker w) {
        Throwable failure = tryStart(w);
        if (failure == null) {
            succeeded();
            return;
        }
        account.creationFailed(w);
        failed(failure);
        account.pool.tryTerminate();
    }

    /** Starts the pool's first worker, for its constructor: a failure there is the caller's. */
    void startFirst(Worker w) {
        Throwable failure = tryStart(w);
        if (failure != null) {
            account.creationFailed(w);
            throw new IllegalStateException("iowq: could not start the first bound worker with the configured ThreadFactory: "
                    + failure, failure);
        }
    }

    /** The thread factory is user code: called with no lock held. */
    private Throwable tryStart(Worker w) {
        try {
            Thread t = account.pool.config.threadFactory().newThread(w);
            if (t == null) {
                throw new IllegalStateException("ThreadFactory returned null");
            }
            t.setName(w.name);
            w.thread = t;
            t.start();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    private void succeeded() {
        boolean wasLimited = account.locked(() -> {
            boolean limited = limit >= 0;
            failuresInRow = 0;
            limit = -1;
            return limited;
        });
        if (wasLimited) { // a logging backend is user code: never under the lock
            LOG.log(Level.INFO, "iowq: {0} workers can be created again", account.workClass.tag());
        }
    }

    /**
     * Cancels what waits in the account unless it has a worker by then. Not on the manager thread,
     * whose sampling the ended items' callbacks must not hold up: from there a plain daemon thread
     * does it, not one of the failing factory's (the manager only if none can start). The items stay
     * queued meanwhile, so the pool cannot terminate before they end.
     */
    private void cancelStranded() {
        Runnable cancel = () -> {
            if (account.locked(account.workers::isEmpty)) {
                account.pool.cancelStranded(account);
            }
        };
        if (Thread.currentThread() == account.pool.manager().thread()) {
            Thread t = new Thread(cancel, account.pool.config.threadNamePrefix() + "cancel-stranded");
            t.setDaemon(true);
            try {
                t.start();
                return;
            } catch (Throwable e) { // the process is at its thread limit: cancel here
            }
        }
        cancel.run();
    }

    /** A creation failed for {@code cause}: the class is held at the workers it has, and a retry scheduled, or what waits cancelled. */
    private void failed(Throwable cause) {
        boolean warn;
        boolean giveUp;
        int workers;
        account.lock.lock();
        try {
            warn = limit < 0;
            failuresInRow++;
            workers = account.workers.size();
            limit = workers;
            giveUp = workers == 0 && failuresInRow >= MAX_FAILURES_WITHOUT_WORKERS;
            if (giveUp) { // what waits is cancelled: the next submission starts afresh
                failuresInRow = 0;
                limit = -1;
            } else {
                retryAfterBackoff();
            }
        } finally {
            account.lock.unlock();
        }
        if (warn) {
            LOG.log(Level.WARNING, "iowq: could not create a " + account.workClass.tag() + " worker (" + cause
                    + "); the class keeps the " + workers + " it has until a creation succeeds, tried again from "
                    + FIRST_RETRY_MILLIS + " ms, backing off up to " + MAX_RETRY_MILLIS + " ms");
        }
        account.pool.events.workerCreationFailed(account, cause);
        if (giveUp) {
            cancelStranded();
        } else {
            account.pool.manager().retryCreation();
        }
    }
}
