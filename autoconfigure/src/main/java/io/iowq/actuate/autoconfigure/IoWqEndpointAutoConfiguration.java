package io.iowq.actuate.autoconfigure;

import io.iowq.actuate.IoWqEndpoint;
import io.iowq.actuate.IoWqEndpointRequestAdvisor;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.spring.IoWqExecutor;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Actuator endpoint {@code iowq} ({@link IoWqEndpoint}) over the application's
 * {@link IoWqExecutor}, when Spring Boot Actuator is present and the endpoint is available: exposed
 * over HTTP ({@code management.endpoints.web.exposure.include}) or JMX, and its access not
 * {@code none} ({@code management.endpoint.iowq.access}).
 */
@AutoConfiguration(after = IoWqAutoConfiguration.class)
@ConditionalOnClass(name = IoWqEndpointAutoConfiguration.ACTUATOR_CONDITION)
public final class IoWqEndpointAutoConfiguration {

    /** Present with Spring Boot Actuator's auto-configuration; checked before any Actuator type is read. */
    static final String ACTUATOR_CONDITION =
            "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint";

    private IoWqEndpointAutoConfiguration() {
    }

    /** Apart from the class check, so that its Actuator conditions are read only when Actuator is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(IoWqEndpoint.class)
    @ConditionalOnSingleCandidate(IoWqExecutor.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        IoWqEndpoint iowqEndpoint(IoWqExecutor executor) {
            return new IoWqEndpoint(executor);
        }

        @Bean
        @ConditionalOnMissingBean
        static IoWqEndpointRequestAdvisor iowqEndpointRequestAdvisor() {
            return new IoWqEndpointRequestAdvisor();
        }
    }
}
