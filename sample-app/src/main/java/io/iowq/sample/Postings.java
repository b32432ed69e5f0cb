package io.iowq.sample;

import io.iowq.spring.Hashed;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;

/**
 * Posts entries in the background, one account at a time: the calls for one account never run at
 * the same time and run in the order they were made (iowq's hashed work, keyed by the account),
 * while different accounts post in parallel.
 */
@Service
public class Postings {

    private final LedgerRepository repository;
    private final Notifier notifier;
    private final Duration delay;

    protected Postings(LedgerRepository repository, Notifier notifier, LedgerProperties properties) {
        this.repository = repository;
        this.notifier = notifier;
        this.delay = properties.postingDelay();
    }

    /**
     * Posts entry {@code entryId} of {@code accountId}, then tells the partner. The returned future
     * ends cancelled if the work is cancelled in the pool (for example by
     * {@code DELETE /actuator/iowq/keys/{accountId}}) before it posts.
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
        Entry entry = repository.post(entryId);
        if (entry.status() == EntryStatus.POSTED) {
            notifier.posted(entry);
        }
        return CompletableFuture.completedFuture(entry);
    }
}
