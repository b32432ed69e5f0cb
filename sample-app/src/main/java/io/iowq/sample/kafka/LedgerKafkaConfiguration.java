package io.iowq.sample.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The ledger on Kafka (profile {@code kafka}): the entries topic, created if missing, and the sweeper. */
@Configuration(proxyBeanMethods = false)
@Profile("kafka")
@EnableScheduling
@EnableConfigurationProperties(LedgerKafkaProperties.class)
class LedgerKafkaConfiguration {

    @Bean
    NewTopic ledgerEntriesTopic(LedgerKafkaProperties properties) {
        return TopicBuilder.name(properties.topic()).partitions(properties.partitions()).build();
    }
}
