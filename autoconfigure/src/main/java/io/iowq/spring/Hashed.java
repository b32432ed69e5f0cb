package io.iowq.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs an {@link org.springframework.scheduling.annotation.Async @Async} method as hashed work
 * (the seed's {@code io_wq_hash_work}, with exact keys): calls whose keys are equal never run at the
 * same time and run in call order; calls with different keys run in parallel.
 * <p>
 * The {@link #value() expression} is a SpEL expression evaluated in the caller's thread, before the
 * hop to the worker, over the call's arguments, as {@code @Cacheable(key = ...)} is: {@code #name}
 * for a parameter by name, {@code #p0} or {@code #a0} by position, {@code #root.method},
 * {@code #root.args}, {@code #root.target}, and literals in quotes ({@code 'ledger'}). Keys are
 * compared with {@code equals}.
 * <pre class="code">
 * &#64;Async
 * &#64;Hashed("#account.id")
 * public void post(Account account, Entry entry) { ... }
 * </pre>
 * Wrong use stops start-up, naming the method: an expression that does not parse, a method without
 * {@code @Async}, or one whose {@code @Async} runs on another executor than iowq's. A call whose key
 * evaluates to {@code null} throws {@link IllegalArgumentException} at the call site.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Hashed {

    /** The SpEL expression that gives the call's key. */
    String value();
}
