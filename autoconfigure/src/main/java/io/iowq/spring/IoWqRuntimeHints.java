package io.iowq.spring;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What the Spring layer reads reflectively, for an AOT-processed or native application: the root
 * object of {@link Hashed @Hashed} key expressions, whose getters SpEL calls ({@code #root.methodName},
 * {@code #root.args}, …), and the attributes of {@link Hashed @Hashed} and {@link Unbounded @Unbounded}.
 * The arguments an expression navigates ({@code #account.id}) are the application's types: an
 * application built natively registers them itself, as it does for {@code @Cacheable} keys.
 */
public class IoWqRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        hints.reflection().registerType(HashedKeyRoot.class, MemberCategory.INVOKE_PUBLIC_METHODS);
        hints.reflection().registerType(Hashed.class, MemberCategory.INVOKE_PUBLIC_METHODS);
        hints.reflection().registerType(Unbounded.class, MemberCategory.INVOKE_PUBLIC_METHODS);
    }
}
