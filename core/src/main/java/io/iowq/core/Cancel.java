package io.iowq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Cancellation across the pool: the seed's {@code io_wq_cancel_cb}, {@code io_wqe_cancel_pending_work},
 * {@code io_wqe_cancel_running_work} and {@code io_run_cancel}.
 * <p>
 * The predicate is user code, so it never runs under a lock: the candidates are collected first,
 * account by account under each lock (pending items with the links behind them, and the items
 * workers run), then the predicate is asked outside every lock, then each match is cancelled under
 * its account's lock, where a worker's take or start and the cancel meet, so exactly one wins. A
 * link can move from one account to another while the accounts are collected one by one; every such
 * hand-over is counted before its worker lets go of it, so a collection during which the count moved
 * is made again, and a link is never missed in transit.
 */
final class Cancel {

    private final IoWq pool;

    Cancel(IoWq pool) {
        this.pool = pool;
    }

    /** What the accounts hold that a cancel may match, in the order the seed looks: pending, then running. */
    static final class Candidates {
        final List<Work<?>> pending = new ArrayList<>();
        final List<Running> running = new ArrayList<>();

        /** A pending item and the links behind it ({@code w} may be null: nothing). */
        void pending(Work<?> w) {
            for (Work<?> l = w; l != null; l = l.next()) {
                pending.add(l);
            }
        }
    }

    /** An item a worker runs. */
    record Running(Worker worker, Work<?> work) {
    }

    /**
     * The seed's {@code io_wq_cancel_cb}: pending matches first, in both classes, then running ones.
     * Adds what it ended to {@code ended}, which the caller publishes.
     */
    Cancellation cancel(Predicate<Work<?>> match, boolean all, List<Work<?>> ended) {
        Candidates c = collect();
        int pending = cancelPendingWork(c, match, all, ended);
        int running = pending > 0 && !all ? 0 : cancelRunningWork(c, match, all, ended); // one found: done
        return Cancellation.of(pending, running);
    }

    private Candidates collect() {
        for (;;) {
            long handedOver = pool.linksHandedOver.get();
            Candidates c = new Candidates();
            for (Account a : pool.accounts()) {
                collect(a, c);
            }
            if (pool.linksHandedOver.get() == handedOver) {
                return c;
            }
        }
    }

    /** The seed's {@code io_wqe_cancel_pending_work}: ends matching pending items; returns how many ended, links behind them included. */
    private static int cancelPendingWork(Candidates c, Predicate<Work<?>> match, boolean all, List<Work<?>> ended) {
        int found = 0;
        for (Work<?> w : c.pending) {
            if (w.isPending() && match.test(w)) {
                int before = ended.size();
                if (cancelPending(w, ended)) {
                    found += ended.size() - before;
                    if (!all) {
                        break;
                    }
                }
            }
        }
        return found;
    }

    /** The seed's {@code io_wqe_cancel_running_work}: ends matching running items and interrupts their workers. */
    private static int cancelRunningWork(Candidates c, Predicate<Work<?>> match, boolean all, List<Work<?>> ended) {
        int found = 0;
        for (Running r : c.running) {
            if (r.work.state() != Work.State.RUNNING || !match.test(r.work)) {
                continue;
            }
            int result = cancelRunning(r.worker, r.work, true, true);
            if (result == 2) {
                ended.add(r.work);
            }
            if (result > 0) {
                found++;
                if (!all) {
                    break;
                }
            }
        }
        return found;
    }

    /**
     * The seed's {@code io_run_cancel}: ends a pending item as cancelled, taking it out of the queue
     * it waits in (a link not queued yet waits in none), and every pending link behind it. Adds what
     * it ended to {@code ended}; returns whether it ended {@code w}.
     */
    static boolean cancelPending(Work<?> w, List<Work<?>> ended) {
        Account in = w.account;
        boolean done;
        if (in != null) {
            done = cancelQueued(in, w);
        } else {
            done = w.end(Work.State.PENDING, Work.State.CANCELLED, null); // a link, in no queue yet
            if ((in = w.account) != null) {
                discard(in, w); // queued meanwhile, by its worker: out again
            } else if (!done && w.isPending()) {
                done = (in = w.account) != null && cancelQueued(in, w);
            }
        }
        if (done) {
            ended.add(w);
            cancelChain(w.next(), ended);
        }
        return done;
    }

    /** Ends every pending item of a link chain as cancelled, adding each to {@code ended}. */
    static void cancelChain(Work<?> first, List<Work<?>> ended) {
        for (Work<?> l = first; l != null; l = l.next()) {
            if (l.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
                ended.add(l);
            }
        }
    }

    /**
     * {@code Future.cancel} of one item of this pool: a pending item is cancelled as above; a running
     * one ends cancelled, its worker interrupted if {@code mayInterrupt}. Returns whether this call ended it.
     */
    boolean cancelOne(Work<?> w, boolean mayInterrupt, List<Work<?>> ended) {
        for (int attempt = 0; ; attempt++) {
            if (w.isPending() && cancelPending(w, ended)) {
                return true;
            }
            if (w.state() == Work.State.RUNNING && cancelRunning(w.worker, w, true, mayInterrupt) == 2) {
                ended.add(w);
                return true;
            }
            if (w.state() != Work.State.PENDING && (w.state() != Work.State.RUNNING || w.isNoCancel())) {
                return false;
            }
            Backoff.pause(attempt); // started meanwhile, or being queued as a link: look again
        }
    }

    /**
     * Cancels every pending item of {@code only} (or of every account: {@code shutdownNow}), and
     * interrupts every running item but {@code NO_CANCEL} if {@code interrupt}, leaving its end to it.
     * Adds what it cancelled to {@code ended}, and returns a copy of it.
     */
    List<Runnable> cancelPendingAndInterrupt(Account only, boolean interrupt, List<Work<?>> ended) {
        Candidates c = only == null ? collect() : collect(only, new Candidates());
        for (Work<?> w : c.pending) {
            cancelPending(w, ended);
        }
        for (int i = 0; interrupt && i < c.running.size(); i++) {
            cancelRunning(c.running.get(i).worker, c.running.get(i).work, false, true);
        }
        return new ArrayList<>(ended);
    }

    /** Adds an account's pending items and its workers' current items (with the links behind them) to {@code into}. */
    private static Candidates collect(Account a, Candidates into) {
        a.locked(() -> {
            List<Work<?>> pending = new ArrayList<>();
            a.pending(pending);
            pending.forEach(into::pending);
            for (Worker worker : a.workers) {
                Work<?> current = worker.current;
                if (current != null) {
                    into.running.add(new Running(worker, current));
                    into.pending(current.next()); // the links behind it
                }
            }
        });
        return into;
    }

    /** Ends {@code work}, pending in {@code a}'s queue, as cancelled and takes it out; whether this call ended it. */
    private static boolean cancelQueued(Account a, Work<?> work) {
        return a.locked(() -> {
            if (work.account != a || !work.end(Work.State.PENDING, Work.State.CANCELLED, null)) {
                return false;
            }
            a.queue.remove(work, a.toForget);
            return true;
        });
    }

    /** Takes out of {@code a}'s queue an item a cancel ended while it was being queued there as a link. */
    private static void discard(Account a, Work<?> work) {
        a.locked(() -> work.account == a && work.list != null && a.queue.remove(work, a.toForget));
    }

    /**
     * The seed's {@code io_wqe_worker_send_sig}: cancels {@code work} if {@code worker} still runs it (the seed's {@code io_wq_worker_cancel}):
     * unless it is {@code NO_CANCEL} it ends cancelled if {@code end}, and its worker is interrupted if
     * {@code interrupt}, under the lock the worker takes to leave the item, so the interrupt cannot
     * reach its next one. Returns 0 if the worker is no longer in the item, 1 if it matched, 2 if this
     * call ended it.
     */
    private static int cancelRunning(Worker worker, Work<?> work, boolean end, boolean interrupt) {
        return worker == null ? 0 : worker.account.locked(() -> {
            if (worker.current != work || work.state() != Work.State.RUNNING) {
                return 0;
            }
            if (work.isNoCancel()) {
                return 1;
            }
            boolean ended = end && work.end(Work.State.RUNNING, Work.State.CANCELLED, null);
            if ((ended || !end) && interrupt && worker.thread != null) {
                worker.thread.interrupt();
            }
            return ended ? 2 : 1;
        });
    }

    /** Returns once a cancel interrupting one of {@code a}'s workers has sent its interrupt (it holds the lock meanwhile). */
    static void awaitInterrupt(Account a) {
        a.lock.lock();
        a.lock.unlock();
    }
}
