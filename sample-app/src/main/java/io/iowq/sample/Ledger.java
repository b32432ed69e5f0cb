package io.iowq.sample;

import io.iowq.spring.IoWqExecutor;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Takes entries: records each as pending, hands it to {@link Postings} (in the caller's thread, so
 * one client's entries for an account are submitted in the order it sent them), and records a
 * posting that was cancelled, so that no accepted entry is ever lost from view. A posting records
 * itself how it ended otherwise (posted or failed).
 * <p>
 * At start, before the web server takes requests, it hands over again, in acceptance order, the
 * entries a previous run left pending: it is a {@link SmartLifecycle} of a phase below iowq's
 * executor and the web server, so it starts first. An entry accepted after a restart is therefore
 * posted after the older entries of its account.
 */
@Service
public class Ledger implements SmartLifecycle {

    /** Starts before the executor's phase and the web server's (the same), so before traffic. */
    static final int PHASE = IoWqExecutor.DEFAULT_PHASE - 1;

    private static final Log logger = LogFactory.getLog(Ledger.class);
    private static final int RESUME_BATCH = 1_000;

    private final LedgerRepository repository;
    private final Postings postings;
    private final LedgerProperties properties;
    private volatile boolean resumed;
    private volatile boolean closing;

    Ledger(LedgerRepository repository, Postings postings, LedgerProperties properties) {
        this.repository = repository;
        this.postings = postings;
        this.properties = properties;
    }

    /**
     * Accepts an entry: it is {@link EntryStatus#PENDING} when this returns, and posted after every
     * entry accepted for the same account before it.
     *
     * @throws NotTakingEntries           if the entries of the last run are not all handed over yet
     * @throws RejectedExecutionException if the pool takes no more work (it is full, or stopping): the
     *                                    entry is then withdrawn (deleted), as if never sent
     */
    public Entry accept(String account, long amount, String reference) {
        if (!resumed) {
            throw new NotTakingEntries("the entries left pending by the last run are being resumed");
        }
        Entry entry = repository.accept(account, amount, reference);
        try {
            submit(entry);
        } catch (RejectedExecutionException e) {
            withdraw(entry, e);
            throw e;
        }
        return entry;
    }

    /** The account with its entries, if it has any. */
    public Optional<AccountView> account(String account) {
        return repository.account(account);
    }

    /** The entry with this id. */
    public Optional<Entry> entry(long entryId) {
        return repository.entry(entryId);
    }

    private void submit(Entry entry) {
        postings.post(entry.account(), entry.id()).whenComplete((ended, failure) -> settle(entry, failure));
    }

    /** A refused entry was never handed over, and the client hears so: it goes; failing that, it fails. */
    private void withdraw(Entry entry, RejectedExecutionException refusal) {
        try {
            repository.withdraw(entry.id());
        } catch (RuntimeException e) {
            logger.warn("Could not withdraw entry " + entry.id() + " refused by the pool; marking it failed", e);
            try {
                repository.fail(entry.id(), "not accepted for posting: " + refusal.getMessage());
            } catch (RuntimeException again) {
                logger.error("Could not mark entry " + entry.id() + " failed either: it stays pending and is posted "
                        + "at the next start, although its client was answered 503", again);
            }
        }
    }

    /**
     * Records a posting that ended without recording its end: cancelled (by an operator), or
     * interrupted (cancelled while running, or at shutdown) before the database took its end.
     */
    private void settle(Entry entry, Throwable failure) {
        if (failure == null) {
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (closing) {
            // cancelled by the shutdown, not by anyone's wish: stays pending, resumed at the next start;
            // how many are left is logged once, from the database, when the pool has stopped (stop())
            logger.debug("Posting of entry " + entry.id() + " of " + entry.account() + " cancelled by the shutdown");
            return;
        }
        try {
            if (cause instanceof CancellationException) {
                repository.cancel(entry.id());
            } else {
                logger.warn("Posting entry " + entry.id() + " of " + entry.account() + " failed", cause);
                repository.fail(entry.id(), cause.toString());
            }
        } catch (RuntimeException e) {
            logger.error("Could not record the end of entry " + entry.id() + " (" + cause + "): it stays pending and "
                    + "is posted at the next start", e);
        }
    }

    /**
     * Hands over again, in acceptance order, the entries a previous run left pending (it stopped
     * before posting them), so a persistent database loses none. If the pool refuses one (it is
     * full), waits {@code ledger.retry-after} and hands it over again: the order must hold.
     */
    void resumePending() {
        long after = 0;
        long count = 0;
        List<Entry> pending;
        do {
            pending = repository.pendingAfter(after, RESUME_BATCH);
            for (Entry entry : pending) {
                while (!handOver(entry)) {
                    if (closing) {
                        return;
                    }
                    pause();
                }
                after = entry.id();
                count++;
            }
        } while (pending.size() == RESUME_BATCH);
        if (count > 0) {
            logger.info("Resumed " + count + " pending entries");
        }
        this.resumed = true;
    }

    private boolean handOver(Entry entry) {
        try {
            submit(entry);
            return true;
        } catch (RejectedExecutionException e) {
            logger.info("Resuming: the pool refused entry " + entry.id() + " (" + e.getMessage() + "); trying again");
            return false;
        }
    }

    private void pause() {
        try {
            Thread.sleep(properties.retryAfter().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while resuming pending entries", e);
        }
    }

    @EventListener(ContextClosedEvent.class)
    void closing() {
        closing = true;
    }

    @Override
    public void start() {
        resumePending();
    }

    /**
     * Runs once iowq has stopped (a lower phase stops later): says how many entries the database
     * shows pending, which the next start posts. One line, whatever the backlog.
     */
    @Override
    public void stop() {
        try {
            long pending = repository.pendingCount();
            if (pending > 0) {
                logger.info(pending + " entries left pending at shutdown: they are posted, in acceptance order, at the "
                        + "next start");
            }
        } catch (RuntimeException e) {
            logger.warn("Could not count the entries left pending at shutdown: " + e);
        }
    }

    @Override
    public boolean isRunning() {
        return resumed;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The ledger takes no entry now; the client may try again later. */
    public static final class NotTakingEntries extends RuntimeException {

        NotTakingEntries(String reason) {
            super(reason);
        }
    }
}
