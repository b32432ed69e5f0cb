package io.iowq.core;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An account's pending work: the run list of runnable items in submission order (the seed's
 * {@code work_list}) and the chains of the busy keys (its {@code hash_map} and {@code hash_tail},
 * with exact keys). Guarded by the account's lock, which every method asserts.
 * <p>
 * The run list holds unhashed items and the first item of each key that no worker owns; the other
 * items of a key wait in its chain. So no worker ever scans past work it may not run (the seed's
 * STALLED flag is not needed), and a key is in the run list once or owned by one worker, never both.
 */
final class WorkQueue {

    private final ReentrantLock lock;
    private final WorkList runList = new WorkList();
    /** Items in the run list and in key chains; volatile for the manager's look without the lock. */
    private volatile int pending;
    /** Keys with work queued or running. */
    private int liveKeys;

    WorkQueue(ReentrantLock lock) {
        this.lock = lock;
    }

    int pending() {
        return pending;
    }

    int liveKeys() {
        return liveKeys;
    }

    /** The seed's {@code io_wqe_run_queue}: how many items are runnable now. */
    int runnable() {
        assert lock.isHeldByCurrentThread();
        return runList.size();
    }

    /** Queues an accepted item, behind its key's earlier items if it has one (the seed's {@code io_wqe_insert_work}). */
    void insert(Work<?> work, KeyChain chain) {
        assert lock.isHeldByCurrentThread();
        pending++;
        work.chain = chain;
        if (chain == null) {
            runList.add(work);
        } else if (chain.owner == null && !chain.queued) {
            liveKeys++;
            chain.queued = true;
            runList.add(work);
        } else {
            chain.waiting.add(work);
        }
    }

    /**
     * The next item for {@code w} (the seed's {@code io_get_next_work}): the next of the key it owns
     * while its budget lasts, else the run list's first. Taking a key's item makes {@code w} its
     * owner, with a budget of the items waiting behind it at that moment (the seed's
     * {@code wq_list_cut}); then the key goes back behind the others. Items a cancel ended are skipped.
     * Returns {@code null} when nothing is runnable; a dead chain it leaves goes to {@code dropped}.
     */
    Work<?> take(Worker w, List<KeyChain> dropped) {
        assert lock.isHeldByCurrentThread();
        for (;;) {
            Work<?> work = takeOne(w, dropped);
            if (work == null) {
                return null;
            }
            work.worker = w;
            if (work.start()) {
                return work;
            }
        }
    }

    /** The seed's {@code wq_next_work}: one candidate for {@code w}, not yet started. */
    private Work<?> takeOne(Worker w, List<KeyChain> dropped) {
        assert lock.isHeldByCurrentThread();
        KeyChain owned = w.chain;
        if (owned != null) {
            if (w.budget > 0 && !owned.waiting.isEmpty()) {
                w.budget--;
                pending--;
                return owned.waiting.poll();
            }
            release(w, dropped);
        }
        Work<?> work = runList.poll();
        if (work == null) {
            return null;
        }
        pending--;
        KeyChain chain = work.chain;
        if (chain != null) {
            chain.queued = false;
            chain.owner = w;
            w.chain = chain;
            w.budget = chain.waiting.size();
        }
        return work;
    }

    /** {@code w} gives its key up: the key's next item goes behind the others, or the key is dropped. */
    void release(Worker w, List<KeyChain> dropped) {
        assert lock.isHeldByCurrentThread();
        KeyChain chain = w.chain;
        if (chain == null) {
            return;
        }
        w.chain = null;
        chain.owner = null;
        Work<?> next = chain.waiting.poll();
        if (next != null) {
            chain.queued = true;
            runList.add(next);
        } else {
            drop(chain, dropped);
        }
    }

    private void drop(KeyChain chain, List<KeyChain> dropped) {
        assert lock.isHeldByCurrentThread();
        chain.dead = true;
        liveKeys--;
        dropped.add(chain);
    }

    /**
     * Takes a pending item out (the seed's {@code io_wqe_remove_pending}); a key's first item gives its
     * place in the run list to the key's next. Returns {@code false} if the item is in no list here.
     */
    boolean remove(Work<?> work, List<KeyChain> dropped) {
        assert lock.isHeldByCurrentThread();
        KeyChain chain = work.chain;
        if (work.list == runList) {
            Work<?> next = chain != null ? chain.waiting.poll() : null;
            if (next != null) {
                runList.replace(work, next);
            } else {
                runList.remove(work);
                if (chain != null) {
                    chain.queued = false;
                    if (chain.owner == null) {
                        drop(chain, dropped);
                    }
                }
            }
        } else if (chain != null && work.list == chain.waiting) {
            chain.waiting.remove(work);
        } else {
            return false;
        }
        pending--;
        return true;
    }

    /** Adds every queued item to {@code into}: the run list in order, each key's waiting items after its first. */
    void collect(List<Work<?>> into) {
        assert lock.isHeldByCurrentThread();
        for (Work<?> w = runList.peek(); w != null; w = w.nextQueued) {
            into.add(w);
            if (w.chain != null) {
                w.chain.waiting.copyTo(into);
            }
        }
    }
}
