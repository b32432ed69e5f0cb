package io.iowq.sample.kafka;

import io.iowq.sample.Entry;
import io.iowq.sample.LedgerProperties;
import io.iowq.sample.LedgerRepository;
import io.iowq.sample.Notifier;
import io.iowq.sample.Postings;
import java.util.concurrent.CompletableFuture;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Profile;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;

/**
 * With the profile {@code kafka}, an accepted entry is not posted here but produced to the entries
 * topic, keyed by its account: Kafka gives every entry of an account to one partition, and that
 * partition to one instance, whose {@link EntryPostingListener} posts it. The hand-over keeps the
 * account's order (this call runs as iowq work hashed by the account, as {@link Postings#post} does),
 * and the returned future ends when Kafka has the entry, or failed if it could not take it.
 */
@Service
@Primary
@Profile("kafka")
public class KafkaPostings extends Postings {

    private final KafkaTemplate<String, Long> kafka;
    private final LedgerRepository repository;
    private final LedgerKafkaProperties properties;

    KafkaPostings(LedgerRepository repository, Notifier notifier, LedgerProperties ledger,
                  KafkaTemplate<String, Long> kafka, LedgerKafkaProperties properties) {
        super(repository, notifier, ledger);
        this.kafka = kafka;
        this.repository = repository;
        this.properties = properties;
    }

    /** Produces entry {@code entryId} to the entries topic under {@code accountId}. */
    @Override
    public CompletableFuture<Entry> post(String accountId, long entryId) {
        return kafka.send(properties.topic(), accountId, entryId)
                .thenApply(sent -> repository.entry(entryId).orElseThrow());
    }
}
