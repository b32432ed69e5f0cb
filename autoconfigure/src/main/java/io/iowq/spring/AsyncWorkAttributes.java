package io.iowq.spring;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Reads {@link Hashed @Hashed} and {@link Unbounded @Unbounded} off {@code @Async} methods, checks
 * them, and evaluates keys, as Spring's cache abstraction does for {@code @Cacheable(key = ...)}.
 */
final class AsyncWorkAttributes extends CachedExpressionEvaluator {

    /**
     * What iowq makes of one {@code @Async} method.
     *
     * @param key         the parsed key expression, or {@code null} if the method is not hashed
     * @param keyArgument the index of the argument that the key expression names alone ({@code "#id"},
     *                    {@code "#p0"}, {@code "#a0"}), read without evaluating it; -1 for any other expression
     * @param unbound     whether its work goes to the unbound class
     * @param description {@code SimpleClassName.method}, as stats and logs name the work
     */
    record Attribute(Method method, Expression key, int keyArgument, boolean unbound, String description) {
    }

    /** A key expression that is one variable: {@code #name}. */
    private static final Pattern VARIABLE = Pattern.compile("#([A-Za-z_$][A-Za-z0-9_$]*)");
    /** SpEL's names of the arguments by index, as {@code MethodBasedEvaluationContext} defines them. */
    private static final Pattern INDEXED = Pattern.compile("[ap](\\d{1,3})");

    private final Map<AnnotatedElementKey, Attribute> attributes = new ConcurrentHashMap<>();
    private final Map<ExpressionKey, Expression> expressions = new ConcurrentHashMap<>();
    private volatile BeanFactoryResolver beanResolver;

    /** Lets expressions refer to beans as {@code @name}. */
    void setBeanFactory(BeanFactory beanFactory) {
        this.beanResolver = new BeanFactoryResolver(beanFactory);
    }

    /** The attribute of {@code method} called on an instance of {@code targetClass}. */
    Attribute get(Method method, Class<?> targetClass) {
        return attributes.computeIfAbsent(new AnnotatedElementKey(method, targetClass),
                k -> resolve(method, targetClass));
    }

    private Attribute resolve(Method method, Class<?> targetClass) {
        Class<?> userClass = ClassUtils.getUserClass(targetClass != null ? targetClass : method.getDeclaringClass());
        Hashed hashed = AnnotatedElementUtils.findMergedAnnotation(method, Hashed.class);
        Expression key = null;
        int keyArgument = -1;
        if (hashed != null) {
            if (!StringUtils.hasText(hashed.value())) {
                throw new InvalidAsyncWorkException(method, "@Hashed needs a key expression, such as \"#id\"", null);
            }
            try {
                key = getExpression(expressions, new AnnotatedElementKey(method, targetClass), hashed.value());
            } catch (ExpressionException e) {
                throw new InvalidAsyncWorkException(method,
                        "@Hashed(\"" + hashed.value() + "\") does not parse: " + e.getMessage(), e);
            }
            keyArgument = argumentNamed(method, hashed.value().trim());
        }
        boolean unbound = AnnotatedElementUtils.hasAnnotation(method, Unbounded.class)
                || AnnotatedElementUtils.hasAnnotation(userClass, Unbounded.class)
                || AnnotatedElementUtils.hasAnnotation(method.getDeclaringClass(), Unbounded.class);
        return new Attribute(method, key, keyArgument, unbound, userClass.getSimpleName() + "." + method.getName());
    }

    /**
     * The index of the argument that {@code expression} is, if it is one variable that names an
     * argument as SpEL resolves it over the call ({@code pN} and {@code aN} first, for they are bound
     * after the parameters' names); else -1, and the expression is evaluated.
     */
    private int argumentNamed(Method method, String expression) {
        Matcher variable = VARIABLE.matcher(expression);
        if (!variable.matches() || method.isVarArgs()) {
            return -1;
        }
        String name = variable.group(1);
        if (name.equals("root") || name.equals("this")) {
            return -1; // SpEL's root object and current object, not variables
        }
        Matcher indexed = INDEXED.matcher(name);
        if (indexed.matches() && Integer.parseInt(indexed.group(1)) < method.getParameterCount()) {
            return Integer.parseInt(indexed.group(1));
        }
        String[] names = getParameterNameDiscoverer().getParameterNames(method);
        if (names != null) {
            for (int i = names.length - 1; i >= 0; i--) {
                if (name.equals(names[i])) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Evaluates the key of a call in the caller's thread.
     *
     * @throws IllegalArgumentException if it evaluates to {@code null}
     */
    Object key(Attribute attribute, Object target, Class<?> targetClass, Object[] args) {
        Object key = attribute.keyArgument() >= 0
                ? args[attribute.keyArgument()]
                : evaluate(attribute, target, targetClass, args);
        if (key == null) {
            throw new IllegalArgumentException("@Hashed(\"" + attribute.key().getExpressionString() + "\") of "
                    + attribute.description() + " evaluated to null: a hashed call needs a key");
        }
        return key;
    }

    private Object evaluate(Attribute attribute, Object target, Class<?> targetClass, Object[] args) {
        Method method = attribute.method();
        HashedKeyRoot root = new HashedKeyRoot(method, args, target, targetClass);
        MethodBasedEvaluationContext context =
                new MethodBasedEvaluationContext(root, method, args, getParameterNameDiscoverer());
        BeanFactoryResolver resolver = beanResolver;
        if (resolver != null) {
            context.setBeanResolver(resolver);
        }
        return attribute.key().getValue(context);
    }

    /**
     * Checks every use of {@code @Hashed} and {@code @Unbounded} on {@code targetClass} (that each
     * method is {@code @Async} and each key expression parses) and returns the attributes of its
     * methods that carry them, so that their executors can be checked once the context is up.
     *
     * @throws InvalidAsyncWorkException at the first wrong use
     */
    List<Attribute> check(Class<?> targetClass) {
        if (!AnnotationUtils.isCandidateClass(targetClass, Set.of(Hashed.class, Unbounded.class))) {
            return List.of();
        }
        boolean unboundClass = AnnotatedElementUtils.hasAnnotation(targetClass, Unbounded.class);
        Map<Method, Boolean> annotated = MethodIntrospector.selectMethods(targetClass,
                (MethodIntrospector.MetadataLookup<Boolean>) m ->
                        AnnotatedElementUtils.hasAnnotation(m, Hashed.class)
                                || AnnotatedElementUtils.hasAnnotation(m, Unbounded.class)
                                || (unboundClass && isAsync(m, targetClass)) ? Boolean.TRUE : null);
        List<Attribute> found = new ArrayList<>();
        for (Method m : annotated.keySet()) {
            if (!isAsync(m, targetClass)) {
                String which = AnnotatedElementUtils.hasAnnotation(m, Hashed.class) ? "@Hashed" : "@Unbounded";
                throw new InvalidAsyncWorkException(m, which + " applies only to @Async methods, and this one "
                        + "is not @Async: add @Async, or remove " + which, null);
            }
            found.add(get(m, targetClass));
        }
        if (unboundClass && found.isEmpty()) {
            throw new InvalidAsyncWorkException(targetClass.getName(),
                    "@Unbounded on a class applies to its @Async methods, and it has none", null);
        }
        return found;
    }

    /** Whether calls of {@code method} on {@code targetClass} are intercepted as {@code @Async}. */
    static boolean isAsync(Method method, Class<?> targetClass) {
        return AnnotatedElementUtils.hasAnnotation(method, Async.class)
                || AnnotatedElementUtils.hasAnnotation(targetClass, Async.class);
    }

    /** The executor qualifier that {@code @Async} names on {@code method}, or {@code ""}. */
    static String qualifier(Method method, Class<?> targetClass) {
        Async async = AnnotatedElementUtils.findMergedAnnotation(method, Async.class);
        if (async == null) {
            async = AnnotatedElementUtils.findMergedAnnotation(targetClass, Async.class);
        }
        return async != null ? async.value() : "";
    }
}
