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
 * workers are counted against the process thread limit rather than sized to the CPUs. Each call
 * wakes a free unbound worker or creates one when it is made (the seed's {@code IO_WQ_WORK_CONCURRENT}),
 * up to the class's {@code maxWorkers}: a call that blocks does not wait for the manager to see the
 * others blocked first.
 * <p>
 * On a method without {@code @Async} (or a class without any), it stops start-up, naming the method.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Unbounded {
}
