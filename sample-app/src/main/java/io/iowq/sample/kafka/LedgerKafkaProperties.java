package io.iowq.sample.kafka;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The ledger on Kafka ({@code ledger.kafka.*}, profile {@code kafka}).
 *
 * @param topic      the entries topic, keyed by account
 * @param partitions its partitions, when the application creates it
 * @param sweepAfter how long an entry may stay pending before it is produced again (an instance
 *                   that accepted it may have died before Kafka had it; posting is idempotent)
 */
@ConfigurationProperties("ledger.kafka")
public record LedgerKafkaProperties(@DefaultValue("ledger-entries") String topic, @DefaultValue("8") int partitions,
                                    @DefaultValue("30s") Duration sweepAfter) {
}
