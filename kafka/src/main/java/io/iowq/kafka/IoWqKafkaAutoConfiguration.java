package io.iowq.kafka;

import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.spring.IoWqExecutor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;

/**
 * Key-ordered parallel Kafka listeners on iowq, when Spring Kafka is on the class path and iowq's
 * executor is there: the container factory {@value IoWqKafkaListenerContainerFactory#BEAN_NAME},
 * configured from {@code spring.kafka.*} as Spring Boot's own factory is, and the
 * {@link KafkaPartitions} it reports to. Properties: {@code iowq.kafka.*} ({@link IoWqKafkaProperties}).
 */
@AutoConfiguration(after = {IoWqAutoConfiguration.class, KafkaAutoConfiguration.class})
@ConditionalOnClass({EnableKafka.class, KafkaAutoConfiguration.class})
@ConditionalOnBean(IoWqExecutor.class)
@EnableConfigurationProperties(IoWqKafkaProperties.class)
public final class IoWqKafkaAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    KafkaPartitions iowqKafkaPartitions() {
        return new KafkaPartitions();
    }

    /** The record's Kafka key, or {@code iowq.kafka.key}; an application's own {@link RecordKey} bean wins. */
    @Bean
    @ConditionalOnMissingBean
    RecordKey iowqKafkaRecordKey(IoWqKafkaProperties properties) {
        return properties.getKey() == null ? RecordKey.recordKey() : RecordKey.expression(properties.getKey());
    }

    @Bean(IoWqKafkaListenerContainerFactory.BEAN_NAME)
    @ConditionalOnMissingBean(name = IoWqKafkaListenerContainerFactory.BEAN_NAME)
    @ConditionalOnBean(ConcurrentKafkaListenerContainerFactoryConfigurer.class)
    IoWqKafkaListenerContainerFactory<Object, Object> iowqKafkaListenerContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer,
            ObjectProvider<ConsumerFactory<Object, Object>> consumerFactory, KafkaProperties kafkaProperties,
            IoWqExecutor executor, KafkaPartitions partitions, RecordKey key, IoWqKafkaProperties properties) {
        IoWqKafkaListenerContainerFactory<Object, Object> factory =
                new IoWqKafkaListenerContainerFactory<>(executor, partitions, key, properties);
        configurer.configure(factory, consumerFactory
                .getIfAvailable(() -> new DefaultKafkaConsumerFactory<>(kafkaProperties.buildConsumerProperties())));
        return factory;
    }
}
