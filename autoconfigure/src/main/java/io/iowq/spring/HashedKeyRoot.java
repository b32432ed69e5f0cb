package io.iowq.spring;

import java.lang.reflect.Method;

/**
 * The root object ({@code #root}) of a {@link Hashed @Hashed} key expression, as
 * {@code @Cacheable}'s: {@code #root.methodName}, {@code #root.args[0]}, {@code #root.target},
 * {@code #root.targetClass}.
 */
public final class HashedKeyRoot {

    private final Method method;
    private final Object[] args;
    private final Object target;
    private final Class<?> targetClass;

    HashedKeyRoot(Method method, Object[] args, Object target, Class<?> targetClass) {
        this.method = method;
        this.args = args;
        this.target = target;
        this.targetClass = targetClass;
    }

    /** The method called. */
    public Method getMethod() {
        return method;
    }

    /** The name of the method called. */
    public String getMethodName() {
        return method.getName();
    }

    /** The call's arguments. */
    public Object[] getArgs() {
        return args;
    }

    /** The bean called. */
    public Object getTarget() {
        return target;
    }

    /** The class of the bean called. */
    public Class<?> getTargetClass() {
        return targetClass;
    }
}
