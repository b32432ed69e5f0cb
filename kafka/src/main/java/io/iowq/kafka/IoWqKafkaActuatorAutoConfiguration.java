package io.iowq.kafka;

import io.iowq.actuate.IoWqEndpoint;
import io.iowq.actuate.autoconfigure.IoWqEndpointAutoConfiguration;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The operations side of iowq's Kafka listeners: the {@code kafka} section of the {@code iowq}
 * endpoint ({@link IoWqKafkaEndpointWebExtension}) when Actuator and the endpoint are there, and the
 * per-partition meters ({@link IoWqKafkaMeters}) when Micrometer is.
 */
@AutoConfiguration(after = {IoWqKafkaAutoConfiguration.class, IoWqEndpointAutoConfiguration.class})
@ConditionalOnBean(KafkaPartitions.class)
public final class IoWqKafkaActuatorAutoConfiguration {

    private IoWqKafkaActuatorAutoConfiguration() {
    }

    /** Under the same conditions as the endpoint itself ({@link IoWqEndpointAutoConfiguration}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(IoWqEndpoint.class)
        @ConditionalOnBean(IoWqEndpoint.class)
        IoWqKafkaEndpointWebExtension iowqKafkaEndpointWebExtension(IoWqEndpoint endpoint, KafkaPartitions partitions) {
            return new IoWqKafkaEndpointWebExtension(endpoint, partitions);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        IoWqKafkaMeters iowqKafkaMeters(KafkaPartitions partitions) {
            return new IoWqKafkaMeters(partitions);
        }
    }
}
