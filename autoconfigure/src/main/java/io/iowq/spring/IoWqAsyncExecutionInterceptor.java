package io.iowq.spring;

import io.iowq.core.Work;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.annotation.AnnotationAsyncExecutionInterceptor;

/**
 * Spring's {@code @Async} interception, made to submit iowq work: the hand-off of an {@code @Async}
 * call to the pool, in the caller's thread.
 * <p>
 * This is where the key of a {@link Hashed @Hashed} method is evaluated. It cannot be done by an
 * ordinary aspect, because {@code @Async}'s advisor is placed before every other advice: an aspect
 * would run after the hop to the worker thread, too late to order the call. Here the key is
 * evaluated over the arguments before the call is handed over, and a {@code null} key throws
 * {@link IllegalArgumentException} at the call site.
 * <p>
 * On an {@link IoWqExecutor}, the call becomes a {@link Work} item described as
 * {@code SimpleClassName.method}, hashed on its key, in the unbound class if
 * {@link Unbounded @Unbounded} (and then waking or creating a worker for itself, for it may block).
 * Return types behave as with plain {@code @Async} ({@code void},
 * {@link Future}, {@link CompletableFuture}; a {@code void} method's exception goes to the
 * {@code AsyncUncaughtExceptionHandler}), except that cancelling the returned future cancels the
 * item in the pool, removing it if pending and interrupting it if running ({@code cancel(true)}).
 * Calls handed to another executor are submitted as Spring does.
 */
public class IoWqAsyncExecutionInterceptor extends AnnotationAsyncExecutionInterceptor {

    private final AsyncWorkAttributes attributes;
    private final Map<Method, Resolved> resolved = new ConcurrentHashMap<>();

    /** An interceptor with no default executor (it is looked up as Spring's is). */
    public IoWqAsyncExecutionInterceptor() {
        this(new AsyncWorkAttributes());
    }

    IoWqAsyncExecutionInterceptor(AsyncWorkAttributes attributes) {
        super(null);
        this.attributes = attributes;
    }

    /** Also lets key expressions refer to beans ({@code @name}). */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        attributes.setBeanFactory(beanFactory);
    }

    /**
     * Evaluates the call's key, if the method is {@link Hashed @Hashed}, then hands the call over:
     * as a {@link Work} item if its executor is iowq's, else as Spring does.
     *
     * @throws IllegalArgumentException if the key evaluates to {@code null}
     */
    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
        Resolved call = resolve(invocation.getMethod(), targetClass);
        Method userMethod = call.userMethod();
        AsyncWorkAttributes.Attribute attribute = call.attribute();
        Object key = attribute.key() == null
                ? null
                : attributes.key(attribute, target, targetClass, invocation.getArguments());
        AsyncTaskExecutor executor = call.executor();
        if (!(executor instanceof IoWqExecutor iowq)) {
            if (executor != null && (attribute.key() != null || attribute.unbound())) {
                throw new IllegalStateException(attribute.description() + " is @Hashed or @Unbounded, but its "
                        + "@Async runs on " + executor + ", not on an IoWqExecutor");
            }
            return super.invoke(invocation);
        }
        // As Spring's AsyncExecutionInterceptor does: a Future's outcome is the call's, and a failure
        // goes to handleError (rethrown for a Future, to the AsyncUncaughtExceptionHandler for void).
        Callable<Object> task = () -> {
            try {
                Object result = invocation.proceed();
                if (result instanceof Future<?> future) {
                    return future.get();
                }
            } catch (ExecutionException e) {
                handleError(e.getCause(), userMethod, invocation.getArguments());
            } catch (Throwable e) {
                handleError(e, userMethod, invocation.getArguments());
            }
            return null;
        };
        return submit(iowq, task, attribute, key, invocation.getMethod().getReturnType());
    }

    /**
     * What calls of {@code method} on {@code targetClass} resolve to, looked up once: the proxy hands
     * over the same {@link Method} on every call, which the map finds by identity.
     */
    private Resolved resolve(Method method, Class<?> targetClass) {
        Resolved r = resolved.get(method);
        if (r != null && r.targetClass() == targetClass) {
            return r;
        }
        Method userMethod = BridgeMethodResolver.getMostSpecificMethod(method, targetClass);
        r = new Resolved(targetClass, userMethod, attributes.get(userMethod, targetClass),
                determineAsyncExecutor(userMethod));
        if (r.executor() != null) {
            resolved.putIfAbsent(method, r); // the first target class of a method; others resolve each call
        }
        return r;
    }

    /** A method as called on one target class: its user method, iowq's attribute, and its executor. */
    private record Resolved(Class<?> targetClass, Method userMethod, AsyncWorkAttributes.Attribute attribute,
                            AsyncTaskExecutor executor) {
    }

    /** Submits the call as a {@link Work} item described as the method, hashed on its key, in its class. */
    private static Object submit(IoWqExecutor iowq, Callable<Object> task, AsyncWorkAttributes.Attribute attribute,
                                 Object key, Class<?> returnType) {
        Work<Object> work = iowq.work(task).describedAs(attribute.description());
        if (key != null) {
            work.hashed(key);
        }
        if (attribute.unbound()) {
            work.unbound().concurrent();
        }
        if (CompletableFuture.class.isAssignableFrom(returnType)) {
            return WorkCompletableFuture.of(iowq.enqueueCall(work, attribute.description()));
        }
        if (Future.class.isAssignableFrom(returnType)) {
            return iowq.enqueueCall(work, attribute.description());
        }
        if (void.class == returnType || "kotlin.Unit".equals(returnType.getName())) {
            iowq.enqueueCall(work, attribute.description());
            return null;
        }
        throw new IllegalArgumentException(
                "Invalid return type for async method (only Future and void supported): " + returnType);
    }

    /** The executor that calls of {@code method} are handed to (looked up as Spring does). */
    AsyncTaskExecutor executorFor(Method method) {
        return determineAsyncExecutor(method);
    }

    /** The attributes this interceptor reads. */
    AsyncWorkAttributes attributes() {
        return attributes;
    }
}
