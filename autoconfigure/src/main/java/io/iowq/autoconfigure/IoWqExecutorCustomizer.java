package io.iowq.autoconfigure;

import io.iowq.core.IoWqConfig;
import io.iowq.spring.IoWqExecutor;

/**
 * Adjusts the auto-configured {@link IoWqExecutor}, as Spring Boot's executor customizers do. Every
 * customizer bean is called, in order: first {@link #customizeConfig} on the pool's configuration,
 * after the {@code iowq.*} properties are applied and before the pool is built, then
 * {@link #customize} on the executor built.
 */
@FunctionalInterface
public interface IoWqExecutorCustomizer {

    /** Adjusts the executor (for example its task decorator or await-termination). */
    void customize(IoWqExecutor executor);

    /**
     * Adjusts the pool's configuration before the pool is built (for example its thread factory,
     * context hook or listener). Does nothing by default.
     */
    default void customizeConfig(IoWqConfig.Builder builder) {
    }
}
