package io.iowq.spring;

import java.lang.reflect.Method;

/**
 * A wrong use of {@link Hashed @Hashed} or {@link Unbounded @Unbounded}, found at start-up: the
 * message names the method (or class) and the reason.
 */
public class InvalidAsyncWorkException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The method or class at fault, as {@code SimpleClassName.method(ParameterTypes)}. */
    private final String element;

    /** What is wrong with it. */
    private final String reason;

    /** What to do about it, or {@code null} for the general advice. */
    private final String action;

    /** A wrong use on {@code method}. */
    public InvalidAsyncWorkException(Method method, String reason, Throwable cause) {
        this(describe(method), reason, null, cause);
    }

    /** A wrong use on {@code element}. */
    public InvalidAsyncWorkException(String element, String reason, Throwable cause) {
        this(element, reason, null, cause);
    }

    /** A wrong use on {@code element} (a method, a class, or several methods), with what to do about it. */
    public InvalidAsyncWorkException(String element, String reason, String action, Throwable cause) {
        super(element + ": " + reason, cause);
        this.element = element;
        this.reason = reason;
        this.action = action;
    }

    /** The method or class at fault. */
    public String getElement() {
        return element;
    }

    /** What is wrong with it. */
    public String getReason() {
        return reason;
    }

    /** What to do about it, or {@code null} if the general advice applies. */
    public String getAction() {
        return action;
    }

    /** {@code SimpleClassName.method(ParameterTypes)}, as the failure names a method. */
    static String describe(Method method) {
        StringBuilder sb = new StringBuilder(method.getDeclaringClass().getName()).append('.')
                .append(method.getName()).append('(');
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            sb.append(i > 0 ? ", " : "").append(types[i].getSimpleName());
        }
        return sb.append(')').toString();
    }
}
