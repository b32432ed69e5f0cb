package io.iowq.sample.kafka;

import io.iowq.kafka.IoWqKafkaListenerContainerFactory;
import io.iowq.sample.Entry;
import io.iowq.sample.EntryStatus;
import io.iowq.sample.LedgerRepository;
import io.iowq.sample.Notifier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.context.annotation.Profile;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Posts the entries of the partitions this instance holds. Runs on iowq's container factory: the
 * entries of one account (the record key) one at a time in offset order, different accounts in
 * parallel, so the balance's read-modify-write needs no row lock, across every instance of the
 * consumer group. Delivery is at least once (a rebalance or a crash can hand an entry over again);
 * {@link LedgerRepository#post(long)} posts an entry only while it is pending, so each is posted once.
 */
@Component
@Profile("kafka")
class EntryPostingListener {

    private final LedgerRepository repository;
    private final Notifier notifier;

    EntryPostingListener(LedgerRepository repository, Notifier notifier) {
        this.repository = repository;
        this.notifier = notifier;
    }

    @KafkaListener(id = "ledger-postings", idIsGroup = false, topics = "${ledger.kafka.topic:ledger-entries}",
            containerFactory = IoWqKafkaListenerContainerFactory.BEAN_NAME)
    void post(ConsumerRecord<String, Long> record) {
        Entry entry = repository.post(record.value());
        if (entry.status() == EntryStatus.POSTED) { // told again if delivered again: the partner is told at least once
            notifier.posted(entry);
        }
    }
}
