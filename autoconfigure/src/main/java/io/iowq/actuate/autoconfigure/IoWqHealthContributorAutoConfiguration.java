package io.iowq.actuate.autoconfigure;

import io.iowq.actuate.IoWqHealthIndicator;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.spring.IoWqExecutor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The health contributor {@code iowq} ({@link IoWqHealthIndicator}) when Spring Boot's health support
 * is present; off with {@code management.health.iowq.enabled=false}.
 */
@AutoConfiguration(after = IoWqAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = IoWqHealthContributorAutoConfiguration.HEALTH_CONDITION)
public final class IoWqHealthContributorAutoConfiguration {

    /** Present with Spring Boot's health support; checked before any of its types is read. */
    static final String HEALTH_CONDITION =
            "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator";

    private IoWqHealthContributorAutoConfiguration() {
    }

    /** Apart from the class check, so that its health conditions are read only when health is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("iowq")
    @ConditionalOnSingleCandidate(IoWqExecutor.class)
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "iowqHealthIndicator")
        IoWqHealthIndicator iowqHealthIndicator(IoWqExecutor executor) {
            return new IoWqHealthIndicator(executor);
        }
    }
}
