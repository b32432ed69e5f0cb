package io.iowq.autoconfigure;

import io.iowq.core.ContextHook;
import io.iowq.core.IoWqConfig;
import io.iowq.spring.ContextPropagationHook;
import io.iowq.spring.DefaultIoWqObservationConvention;
import io.iowq.spring.IoWqExecutor;
import io.iowq.spring.IoWqObservationConvention;
import io.iowq.spring.IoWqObservationDocumentation;
import io.iowq.spring.WorkObservations;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * A Micrometer observation per item of the auto-configured executor ({@link WorkObservations},
 * observation {@code iowq.work}), when the application has an {@link ObservationRegistry} and
 * {@code iowq.observations.enabled} is true, or is unset and the registry has a tracing handler (a
 * {@code TracingObservationHandler} bean): with tracing, every item is a span by default, as Spring
 * Boot's own observations are. An {@link IoWqObservationConvention} bean replaces the default
 * convention.
 * <p>
 * The observation is for traces: Micrometer's meter handler would make a timer of it named
 * {@code iowq.work}, the name of the pool's counter, which {@code /actuator/metrics/iowq.work} would
 * then add to that counter's count. The bean {@code iowqObservationMeterFilter} keeps those meters
 * (and the handler's {@code iowq.work.active} and event counters) out of the registries; define a
 * bean of that name to keep them.
 */
@AutoConfiguration(after = IoWqAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration"})
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
@Conditional(IoWqObservationAutoConfiguration.OnObservationsEnabled.class)
@EnableConfigurationProperties(IoWqObservationProperties.class)
public final class IoWqObservationAutoConfiguration {

    /** The name of the filter that keeps the observation's meters out of the registries. */
    public static final String METER_FILTER_BEAN_NAME = "iowqObservationMeterFilter";

    private IoWqObservationAutoConfiguration() {
    }

    /**
     * Observes the auto-configured executor's items: its pool's context hook (the
     * {@link ContextHook} bean, else {@link ContextPropagationHook}) is wrapped to make each item's
     * observation current on its worker, and the executor is given the observations.
     */
    @Bean
    static IoWqExecutorCustomizer iowqObservationCustomizer(ObjectProvider<ObservationRegistry> registry,
                                                            ObjectProvider<IoWqObservationConvention> convention,
                                                            ObjectProvider<ContextHook> contextHook) {
        return new IoWqExecutorCustomizer() {
            private WorkObservations observations;

            @Override
            public void customizeConfig(IoWqConfig.Builder builder) {
                observations = new WorkObservations(registry.getObject(), convention.getIfUnique());
                builder.contextHook(observations.contextHook(
                        contextHook.getIfAvailable(ContextPropagationHook::forGlobalRegistry)));
            }

            @Override
            public void customize(IoWqExecutor executor) {
                executor.setObservations(observations);
            }
        };
    }

    /** Keeps the meters that Micrometer's meter handler would make of {@code iowq.work} observations out. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterFilter.class)
    static class MeterFilterConfiguration {

        @Bean(METER_FILTER_BEAN_NAME)
        @ConditionalOnMissingBean(name = METER_FILTER_BEAN_NAME)
        static MeterFilter iowqObservationMeterFilter() {
            return MeterFilter.deny(MeterFilterConfiguration::isObservationMeter);
        }

        /** {@code iowq.work} or {@code iowq.work.*} with the observation's tag {@code method}, which no pool meter has. */
        static boolean isObservationMeter(Meter.Id id) {
            String name = id.getName();
            return (name.equals(DefaultIoWqObservationConvention.NAME)
                    || name.startsWith(DefaultIoWqObservationConvention.NAME + "."))
                    && id.getTag(IoWqObservationDocumentation.LowCardinalityKeyNames.METHOD.asString()) != null;
        }
    }

    /** {@code iowq.observations.enabled=true}, or unset with a tracing handler bean. */
    static final class OnObservationsEnabled extends AnyNestedCondition {

        OnObservationsEnabled() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBooleanProperty(IoWqObservationProperties.PREFIX + ".enabled")
        static final class EnabledByProperty {
        }

        @ConditionalOnBooleanProperty(name = IoWqObservationProperties.PREFIX + ".enabled", matchIfMissing = true)
        @ConditionalOnBean(type = "io.micrometer.tracing.handler.TracingObservationHandler")
        static final class Tracing {
        }
    }
}
