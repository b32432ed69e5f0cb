package io.iowq.sample;

import io.iowq.spring.Hashed;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/**
 * Posts entries in the background, one account at a time: the calls for one account never run at
 * the same time and run in the order they were made (iowq's hashed work, keyed by the account),
 * while different accounts post in parallel.
 * <p>
 * A posting ends only once the database has recorded how it ended, while it still holds its key, so
 * that the account's later entries wait behind it: a transient database failure is retried with
 * back-off ({@link DatabaseRetry}); a permanent one marks the entry failed, with the reason.
 */
@Service
public class Postings {

    private static final Log logger = LogFactory.getLog(Postings.class);

    private final LedgerRepository repository;
    private final Notifier notifier;
    private final DatabaseRetry retry;
    private final Duration delay;

    /** For a subclass that replaces {@link #post} (the {@code kafka} profile's): no database retry of its own. */
    protected Postings(LedgerRepository repository, Notifier notifier, LedgerProperties properties) {
        this(repository, notifier, null, properties);
    }

    @Autowired
    Postings(LedgerRepository repository, Notifier notifier, DatabaseRetry retry, LedgerProperties properties) {
        this.repository = repository;
        this.notifier = notifier;
        this.retry = retry;
        this.delay = properties.postingDelay();
    }

    /**
     * Posts entry {@code entryId} of {@code accountId}, then hands its notification to the notifier.
     * Returns the entry as it ended: {@link EntryStatus#POSTED}, or {@link EntryStatus#FAILED} with
     * the reason, or as it already was if it was no longer pending (posting again is harmless). The
     * returned future ends cancelled if the work is cancelled in the pool (for example by
     * {@code DELETE /actuator/iowq/keys/{accountId}}) before it posts, and exceptionally if the
     * posting was interrupted before the database recorded its end (the entry is then still pending).
     */
    @Async
    @Hashed("#accountId")
    public CompletableFuture<Entry> post(String accountId, long entryId) {
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted before posting entry " + entryId, e);
            }
        }
        Entry entry;
        try {
            entry = retry.call("posting entry " + entryId, () -> repository.post(entryId));
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            entry = recordFailure(entryId, e);
        }
        if (entry.status() == EntryStatus.POSTED) {
            tellPartner(entry);
        }
        return CompletableFuture.completedFuture(entry);
    }

    private Entry recordFailure(long entryId, RuntimeException failure) {
        logger.warn("Posting entry " + entryId + " failed", failure);
        try {
            retry.call("recording the failure of entry " + entryId, () -> repository.fail(entryId, failure.toString()));
        } catch (RuntimeException e) {
            logger.error("Could not record the failure of entry " + entryId + ": it stays pending and is posted "
                    + "again, in order, at the next start", e);
            e.addSuppressed(failure);
            throw e;
        }
        return retry.call("reading entry " + entryId, () -> repository.entry(entryId).orElseThrow());
    }

    /** The outbox row written with the posting delivers the notification if the pool takes none now. */
    private void tellPartner(Entry entry) {
        try {
            notifier.posted(entry);
        } catch (RejectedExecutionException e) {
            logger.info("Notification of entry " + entry.id() + " left to the outbox: " + e.getMessage());
        }
    }
}
