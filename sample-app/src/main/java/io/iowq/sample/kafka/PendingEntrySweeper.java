package io.iowq.sample.kafka;

import io.iowq.sample.Entry;
import io.iowq.sample.LedgerRepository;
import java.time.Instant;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Produces again the entries that stayed pending longer than {@code ledger.kafka.sweep-after}: the
 * instance that accepted one may have died after it answered and before Kafka had the entry. Every
 * instance sweeps; an entry produced twice is posted once, since posting is idempotent by entry id.
 */
@Component
@Profile("kafka")
class PendingEntrySweeper {

    private static final Log logger = LogFactory.getLog(PendingEntrySweeper.class);

    private final LedgerRepository repository;
    private final KafkaTemplate<String, Long> kafka;
    private final LedgerKafkaProperties properties;

    PendingEntrySweeper(LedgerRepository repository, KafkaTemplate<String, Long> kafka,
                        LedgerKafkaProperties properties) {
        this.repository = repository;
        this.kafka = kafka;
        this.properties = properties;
    }

    @Scheduled(fixedDelayString = "${ledger.kafka.sweep-after:30s}", initialDelayString = "${ledger.kafka.sweep-after:30s}")
    void sweep() {
        Instant before = Instant.now().minus(properties.sweepAfter());
        int produced = 0;
        List<Entry> page;
        for (long after = 0; !(page = repository.pendingAfter(after, 1_000)).isEmpty(); after = page.get(page.size() - 1).id()) {
            for (Entry e : page) {
                if (e.acceptedAt().isBefore(before)) {
                    kafka.send(properties.topic(), e.account(), e.id());
                    produced++;
                }
            }
        }
        if (produced > 0) {
            logger.info("Produced again " + produced + " entries pending since before " + before);
        }
    }
}
