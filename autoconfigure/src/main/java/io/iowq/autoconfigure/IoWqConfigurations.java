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
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.CompositeTaskDecorator;

/** The configurations that {@link IoWqAutoConfiguration} imports, one concern each. */
final class IoWqConfigurations {

    private IoWqConfigurations() {
    }

    /** The executor, unless the application defines {@code applicationTaskExecutor}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(name = IoWqAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
    static class ExecutorConfiguration {

        @Bean(IoWqAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME)
        IoWqExecutor applicationTaskExecutor(IoWqProperties properties, ObjectProvider<ContextHook> contextHook,
                                             ObjectProvider<IoWqListener> listeners,
                                             ObjectProvider<TaskDecorator> taskDecorators,
                                             ObjectProvider<IoWqExecutorCustomizer> customizers) {
            IoWqConfig.Builder builder = IoWqConfig.builder()
                    .contextHook(contextHook.getIfAvailable(ContextPropagationHook::forGlobalRegistry))
                    .listener(CompositeIoWqListener.of(listeners.orderedStream().toList()))
                    .recordTimes(true); // for the iowq.work.wait / .duration timers and the endpoint's ages
            properties.applyTo(builder);
            List<IoWqExecutorCustomizer> all = customizers.orderedStream().toList();
            all.forEach(c -> c.customizeConfig(builder));
            IoWqExecutor executor = new IoWqExecutor(builder.build());
            try {
                executor.setAwaitTermination(properties.getShutdown().getAwaitTermination());
                TaskDecorator decorator = taskDecorator(taskDecorators.orderedStream().toList());
                if (decorator != null) {
                    executor.setTaskDecorator(decorator);
                }
                all.forEach(c -> c.customize(executor));
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

    /** {@code @Hashed} and {@code @Unbounded} on {@code @Async} methods. */
    @Configuration(proxyBeanMethods = false)
    static class AsyncConfiguration {

        @Bean
        static AsyncWorkPostProcessor iowqAsyncWorkPostProcessor() {
            return new AsyncWorkPostProcessor();
        }
    }
}
