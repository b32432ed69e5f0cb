package io.iowq.spring;

import java.util.concurrent.Executor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.task.TaskExecutor;
import org.springframework.util.ClassUtils;

/**
 * What iowq says at start-up (in a failure, or an INFO line) about where {@code @Async} sends calls: which executor
 * (by bean name, type and where it is defined), why Spring picked it, where iowq is, and what to do.
 * Spring's {@code @Async} picks, in order: the bean its qualifier names, the executor of the
 * {@code AsyncConfigurer}, the only {@link TaskExecutor} bean, the bean named {@code taskExecutor}, and
 * else a new {@code SimpleAsyncTaskExecutor}.
 */
final class AsyncExecutorReport {

    private static final String APPLICATION_TASK_EXECUTOR = "applicationTaskExecutor";
    private static final String TASK_EXECUTOR = "taskExecutor";
    private static final String NAME_IOWQ = "@Async(\"" + APPLICATION_TASK_EXECUTOR + "\")";

    private final ConfigurableListableBeanFactory beanFactory;

    AsyncExecutorReport(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    /** Why {@code @Async} runs the method on {@code executor}. */
    String whyAsyncRunsOn(Executor executor, String qualifier, Executor configured) {
        if (!qualifier.isEmpty()) {
            return "@Async(\"" + qualifier + "\") names " + describe(executor);
        }
        if (configured != null) {
            return "@Async runs it on what your AsyncConfigurer returns from getAsyncExecutor(), " + describe(executor);
        }
        String name = beanName(executor);
        if (name == null) {
            return "@Async runs it on a new SimpleAsyncTaskExecutor, Spring's last resort: there is no AsyncConfigurer "
                    + "executor, no single TaskExecutor bean and no bean named '" + TASK_EXECUTOR + "'";
        }
        if (beanFactory.getBeanNamesForType(TaskExecutor.class, true, false).length > 1) {
            return "@Async runs it on " + describe(executor) + ": with several TaskExecutor beans, Spring's @Async "
                    + "takes the one named '" + TASK_EXECUTOR + "'";
        }
        return "@Async runs it on " + describe(executor) + ", the only TaskExecutor bean";
    }

    /** Where iowq's executor is, or why there is none. */
    String whereIsIowq() {
        String[] iowq = beanFactory.getBeanNamesForType(IoWqExecutor.class, true, false);
        if (iowq.length > 0) {
            return "iowq's is the bean '" + iowq[0] + "'";
        }
        if (beanFactory.containsBean(APPLICATION_TASK_EXECUTOR)) {
            return "iowq backed off because the application defines " + describe(APPLICATION_TASK_EXECUTOR);
        }
        return "there is no IoWqExecutor bean";
    }

    /** What to do so that the method runs on iowq. */
    String whatToDo(Executor executor, String qualifier) {
        if (!qualifier.isEmpty()) {
            return "Name iowq's executor on this method instead, " + NAME_IOWQ + ", or remove @Hashed and "
                    + "@Unbounded from it.";
        }
        if (beanFactory.getBeanNamesForType(IoWqExecutor.class, true, false).length == 0) {
            return "Remove your " + APPLICATION_TASK_EXECUTOR + " bean and adjust iowq with iowq.* properties or an "
                    + "IoWqExecutorCustomizer bean instead, or remove @Hashed and @Unbounded from this method.";
        }
        if (TASK_EXECUTOR.equals(beanName(executor))) {
            return "Name iowq on this method, " + NAME_IOWQ + "; or rename your bean '" + TASK_EXECUTOR + "' (and "
                    + "name it on the @Async methods meant for it), so that @Async takes iowq's executor by default.";
        }
        return "Name iowq on this method, " + NAME_IOWQ + "; an AsyncConfigurer whose getAsyncExecutor() returns "
                + "null leaves @Async to iowq.";
    }

    /** The application task executor as a failure names it, or "Spring Boot's executor" if there is none. */
    String applicationTaskExecutor() {
        return beanFactory.containsBean(APPLICATION_TASK_EXECUTOR)
                ? describe(APPLICATION_TASK_EXECUTOR) : "Spring Boot's executor";
    }

    /** {@code the bean 'name' (Type, defined in ...)}, or the type if {@code executor} is not a bean. */
    private String describe(Executor executor) {
        String name = beanName(executor);
        return name != null ? describe(name) : "a " + ClassUtils.getUserClass(executor).getSimpleName()
                + " that is not a bean";
    }

    private String describe(String name) {
        Class<?> type = beanFactory.getType(name, false);
        StringBuilder sb = new StringBuilder("the bean '").append(name).append("' (")
                .append(type != null ? ClassUtils.getUserClass(type).getSimpleName() : "type unknown");
        String resource = beanFactory.containsBeanDefinition(name)
                ? beanFactory.getMergedBeanDefinition(name).getResourceDescription() : null;
        if (resource != null) {
            sb.append(", defined in ").append(resource);
        }
        return sb.append(')').toString();
    }

    /** The name of the singleton bean {@code executor} is, or {@code null}. */
    private String beanName(Executor executor) {
        for (String name : beanFactory.getBeanNamesForType(Executor.class, true, false)) {
            if (beanFactory.containsSingleton(name) && beanFactory.getSingleton(name) == executor) {
                return name;
            }
        }
        return null;
    }
}
