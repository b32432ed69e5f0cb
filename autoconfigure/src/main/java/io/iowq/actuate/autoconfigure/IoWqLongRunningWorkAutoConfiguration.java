package io.iowq.actuate.autoconfigure;

import io.iowq.actuate.LongRunningWorkMonitor;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.autoconfigure.IoWqProperties;
import io.iowq.spring.IoWqExecutor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Reports work running longer than {@code iowq.long-running-threshold} ({@link LongRunningWorkMonitor}):
 * logged once with its stack and counted. Off unless the property is set. Needs neither Actuator nor
 * Micrometer; with Micrometer the count is the meter {@code iowq.work.long.running}.
 */
@AutoConfiguration(after = IoWqAutoConfiguration.class)
@ConditionalOnProperty(IoWqProperties.LONG_RUNNING_THRESHOLD)
@ConditionalOnBean(IoWqProperties.class)
public final class IoWqLongRunningWorkAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    LongRunningWorkMonitor iowqLongRunningWorkMonitor(IoWqProperties properties,
                                                      ListableBeanFactory beanFactory) {
        return new LongRunningWorkMonitor(properties.getLongRunningThreshold(),
                () -> beanFactory.getBeansOfType(IoWqExecutor.class, false, false));
    }
}
