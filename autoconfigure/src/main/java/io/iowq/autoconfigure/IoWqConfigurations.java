package io.iowq.autoconfigure;

import io.iowq.core.ContextHook;
import io.iowq.core.IoWqConfig;
import io.iowq.core.IoWqListener;
import io.iowq.spring.AsyncWorkPostProcessor;
import io.iowq.spring.ContextPropagationHook;
import io.iowq.spring.IoWqExecutor;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.CompositeTaskDecorator;

/** The configurations that {@link IoWqAutoConfiguration} imports, one concern each. */
final class IoWqConfigurations {

    /** Spring Boot's property that decides when its executor is created. */
    static final String TASK_EXECUTION_MODE = "spring.task.execution.mode";

    private IoWqConfigurations() {
    }

    /** iowq on (the default): its properties, executor and {@code @Async} support. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "iowq.enabled", matchIfMissing = true)
    @EnableConfigurationProperties(IoWqProperties.class)
    @Import({ExecutorConfiguration.class, AsyncConfiguration.class, ForceModeConfiguration.class})
    static class EnabledConfiguration {
    }

    /** {@code iowq.enabled=false}: nothing but the check that no method relies on iowq. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "iowq.enabled", havingValue = false)
    static class DisabledConfiguration {

        @Bean
        static AsyncWorkPostProcessor iowqDisabledAsyncWorkPostProcessor() {
            return AsyncWorkPostProcessor.forDisabledIoWq();
        }
    }

    /**
     * The executor, unless the application defines {@code applicationTaskExecutor}, or
     * {@code spring.task.execution.mode=force} makes Spring Boot define its own (see
     * {@link ForceModeConfiguration}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(name = IoWqAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
    @Conditional(NotForceMode.class)
    static class ExecutorConfiguration {

        @Bean(IoWqAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
        IoWqExecutor applicationTaskExecutor(IoWqProperties properties, Environment environment,
                                             ObjectProvider<ContextHook> contextHook,
                                             ObjectProvider<IoWqListener> listeners,
                                             ObjectProvider<TaskDecorator> taskDecorators,
                                             ObjectProvider<IoWqExecutorCustomizer> customizers) {
            IoWqConfig.Builder builder = IoWqConfig.builder()
                    .contextHook(contextHook.getIfAvailable(ContextPropagationHook::forGlobalRegistry))
                    .listener(CompositeIoWqListener.of(listeners.orderedStream().toList()))
                    .recordTimes(true); // for the iowq.work.wait / .duration timers and the endpoint's ages
            properties.applyTo(builder);
            BootExecutorSettings boot = BootExecutorSettings.read(environment, properties);
            boot.applyTo(builder);
            List<IoWqExecutorCustomizer> all = customizers.orderedStream().toList();
            all.forEach(c -> c.customizeConfig(builder));
            IoWqExecutor executor = new IoWqExecutor(builder.build());
            try {
                executor.setAwaitTermination(boot.awaitTermination(properties.getShutdown().getAwaitTermination()));
                TaskDecorator decorator = taskDecorator(taskDecorators.orderedStream().toList());
                if (decorator != null) {
                    executor.setTaskDecorator(decorator);
                }
                all.forEach(c -> c.customize(executor));
                boot.log();
                return executor;
            } catch (RuntimeException e) {
                executor.shutdownNow();
                throw e;
            }
        }

        /** As Spring Boot combines {@link TaskDecorator} beans for its own executor. */
        private static TaskDecorator taskDecorator(List<TaskDecorator> decorators) {
            if (decorators.isEmpty()) {
                return null;
            }
            return decorators.size() == 1 ? decorators.get(0) : new CompositeTaskDecorator(decorators);
        }

        /**
         * Registers the alias {@code taskExecutor}, which Spring's {@code @Async} looks up when there
         * are several task executors, unless the name is taken.
         */
        @Bean
        static BeanFactoryPostProcessor iowqTaskExecutorAliasPostProcessor() {
            return beanFactory -> {
                if (!beanFactory.containsBean(IoWqAutoConfiguration.TASK_EXECUTOR_ALIAS)) {
                    beanFactory.registerAlias(IoWqAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME,
                            IoWqAutoConfiguration.TASK_EXECUTOR_ALIAS);
                }
            };
        }
    }

    /** Whether {@code spring.task.execution.mode} is not {@code force}. */
    static class NotForceMode extends NoneNestedConditions {

        NotForceMode() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = TASK_EXECUTION_MODE, havingValue = "force")
        static class Force {
        }
    }

    /**
     * {@code spring.task.execution.mode=force}: Spring Boot then defines its own
     * {@code applicationTaskExecutor} whatever other executors exist, where iowq's would be. iowq's
     * executor already is there whatever other executors exist, so start-up fails with a report naming
     * the property (rather than a bean-overriding error, or Boot's executor silently in iowq's place).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = TASK_EXECUTION_MODE, havingValue = "force")
    static class ForceModeConfiguration {

        @Bean
        static BeanFactoryPostProcessor iowqForceModeCheck(Environment environment) {
            String value = environment.getProperty(TASK_EXECUTION_MODE);
            return beanFactory -> {
                throw new InvalidIoWqPropertyException(TASK_EXECUTION_MODE, value, "auto (the default), since "
                        + "iowq's applicationTaskExecutor is created whatever other Executor beans the application "
                        + "defines, which is what force asks of Spring Boot's executor; to keep force, set "
                        + "iowq.enabled=false and Spring Boot's executor is used");
            };
        }
    }

    /** {@code @Hashed} and {@code @Unbounded} on {@code @Async} methods. */
    @Configuration(proxyBeanMethods = false)
    static class AsyncConfiguration {

        @Bean
        static AsyncWorkPostProcessor iowqAsyncWorkPostProcessor() {
            return new AsyncWorkPostProcessor();
        }
    }
}
