package io.iowq.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs an {@link org.springframework.scheduling.annotation.Async @Async} method, or every
 * {@code @Async} method of a class, in the unbound work class (the seed's
 * {@code IO_WQ_WORK_UNBOUND}): work that may block without bound, such as network calls. Unbound
 * workers are counted against the process thread limit rather than sized to the CPUs.
 * <p>
 * On a method without {@code @Async} (or a class without any), it stops start-up, naming the method.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Unbounded {
}
