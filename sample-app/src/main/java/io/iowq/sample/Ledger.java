package io.iowq.sample;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;

/**
 * Takes entries: records each as pending, hands it to {@link Postings} (in the caller's thread, so
 * one client's entries for an account are submitted in the order it sent them), and records how the
 * posting ended if it did not post — cancelled or failed — so that no accepted entry is ever lost
 * from view.
 */
@Service
public class Ledger {

    private static final Log logger = LogFactory.getLog(Ledger.class);

    private final LedgerRepository repository;
    private final Postings postings;
    private volatile boolean closing;

    Ledger(LedgerRepository repository, Postings postings) {
        this.repository = repository;
        this.postings = postings;
    }

    /**
     * Accepts an entry: it is {@link EntryStatus#PENDING} when this returns, and posted after every
     * entry accepted for the same account before it.
     *
     * @throws RejectedExecutionException if the pool takes no more work (the application is stopping);
     *                                    the entry is then recorded as failed
     */
    public Entry accept(String account, long amount, String reference) {
        Entry entry = repository.accept(account, amount, reference);
        submit(entry);
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
        try {
            postings.post(entry.account(), entry.id()).whenComplete((posted, failure) -> settle(entry, failure));
        } catch (RejectedExecutionException e) {
            repository.fail(entry.id(), "not accepted for posting: " + e.getMessage());
            throw e;
        }
    }

    /** Records the end of a posting that did not post; a posting that posted has recorded itself. */
    private void settle(Entry entry, Throwable failure) {
        if (failure == null) {
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (closing) {
            // cancelled by the shutdown, not by anyone's wish: stays pending, resumed at the next start
            logger.info("Entry " + entry.id() + " of " + entry.account() + " left pending at shutdown");
            return;
        }
        if (cause instanceof CancellationException) {
            repository.cancel(entry.id());
        } else {
            logger.warn("Posting entry " + entry.id() + " of " + entry.account() + " failed", cause);
            repository.fail(entry.id(), cause.toString());
        }
    }

    /**
     * Hands over again, in acceptance order, the entries a previous run left pending (it stopped
     * before posting them), so a persistent database loses none.
     */
    @EventListener(ApplicationReadyEvent.class)
    void resumePending() {
        List<Entry> pending = repository.pending();
        if (!pending.isEmpty()) {
            logger.info("Resuming " + pending.size() + " pending entries");
            pending.forEach(this::submit);
        }
    }

    @EventListener(ContextClosedEvent.class)
    void closing() {
        closing = true;
    }
}
