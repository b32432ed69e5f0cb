package io.iowq.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * Makes iowq the application task executor: an {@link io.iowq.spring.IoWqExecutor} named
 * {@value #APPLICATION_TASK_EXECUTOR_BEAN_NAME} (alias {@value #TASK_EXECUTOR_ALIAS}), so that
 * {@code @Async}, MVC async requests and everything else that takes Spring Boot's executor runs on it,
 * and {@code @Hashed} and {@code @Unbounded} on {@code @Async} methods.
 * <p>
 * It runs before Spring Boot's task execution auto-configuration, whose executor then backs off (as
 * it does for any {@code Executor} bean). iowq's executor is there whatever other {@code Executor}
 * beans exist, which is what {@code spring.task.execution.mode=force} asks of Spring Boot's, and backs
 * off only when the application defines {@value #APPLICATION_TASK_EXECUTOR_BEAN_NAME}; with
 * {@code force} start-up fails, naming the property. With {@code iowq.enabled=false} it is off, and
 * start-up fails if any method is {@code @Hashed} or {@code @Unbounded}.
 */
@AutoConfiguration(before = TaskExecutionAutoConfiguration.class)
@Import({IoWqConfigurations.EnabledConfiguration.class, IoWqConfigurations.DisabledConfiguration.class})
public final class IoWqAutoConfiguration {

    /** The name of the executor bean, as Spring Boot names its own. */
    public static final String APPLICATION_TASK_EXECUTOR_BEAN_NAME =
            TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME;

    /** The alias that Spring's {@code @Async} looks up when there are several task executors. */
    public static final String TASK_EXECUTOR_ALIAS = "taskExecutor";

    private IoWqAutoConfiguration() {
    }
}
