package io.iowq.actuate.autoconfigure;

import io.iowq.actuate.IoWqMeterBinder;
import io.iowq.actuate.IoWqWorkTimers;
import io.iowq.actuate.LongRunningWorkMonitor;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import io.iowq.autoconfigure.IoWqExecutorCustomizer;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * iowq's meters ({@link IoWqMeterBinder}) for every {@link IoWqExecutor} bean, tagged with its bean
 * name, when Micrometer is present; Spring Boot binds them to its registries. The per-item timers
 * come from an {@link IoWqWorkTimers} listener bean, which the iowq auto-configuration puts into the
 * pool it builds (as it does every {@code IoWqListener} bean); an executor the application builds
 * itself gets every meter but those timers, unless its pool was built with that listener too.
 */
@AutoConfiguration(after = {IoWqAutoConfiguration.class, IoWqLongRunningWorkAutoConfiguration.class})
@ConditionalOnClass(MeterBinder.class)
public final class IoWqMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IoWqWorkTimers iowqWorkTimers() {
        return new IoWqWorkTimers();
    }

    /** Tells the timers which executor's pool they were built into: the auto-configured one. */
    @Bean
    IoWqExecutorCustomizer iowqWorkTimersCustomizer(IoWqWorkTimers timers) {
        return timers::attachTo;
    }

    @Bean
    MeterBinder iowqMeterBinder(ListableBeanFactory beanFactory, ObjectProvider<IoWqWorkTimers> timers,
                                ObjectProvider<LongRunningWorkMonitor> longRunning) {
        return registry -> beanFactory.getBeansOfType(IoWqExecutor.class, false, false).forEach((name, executor) -> {
            IoWqWorkTimers t = timers.getIfUnique();
            new IoWqMeterBinder(name, executor, t != null && t.isAttachedTo(executor) ? t : null,
                    longRunning.getIfUnique()).bindTo(registry);
        });
    }
}
