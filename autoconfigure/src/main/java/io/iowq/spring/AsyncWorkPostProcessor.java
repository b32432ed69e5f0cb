package io.iowq.spring;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncAnnotationBeanPostProcessor;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.util.function.SingletonSupplier;

/**
 * Installs iowq's {@code @Async} interception and checks every use of {@link Hashed @Hashed} and
 * {@link Unbounded @Unbounded}, so that wrong use stops start-up.
 * <p>
 * <b>Installing.</b> {@code @EnableAsync} declares an {@link AsyncAnnotationBeanPostProcessor}.
 * Being {@link PriorityOrdered}, this post-processor is in place before that one is created, and
 * puts an {@link IoWqAsyncAnnotationBeanPostProcessor} in its stead, configured as
 * {@code @EnableAsync}'s would be: its order and proxy settings, its annotation type, and the
 * executor and exception handler of the application's {@link AsyncConfigurer}, if it has one. No
 * {@code AsyncConfigurer} is added, since Spring allows only one.
 * <p>
 * <b>Checking.</b> Each bean's class is checked as the bean is created: {@code @Hashed} and
 * {@code @Unbounded} only on {@code @Async} methods (or classes with some), and key expressions that
 * parse. Once every singleton exists, each such method's executor is looked up as {@code @Async}
 * will look it up, and must be an {@link IoWqExecutor}. Each failure is an
 * {@link InvalidAsyncWorkException} naming the method, the executor {@code @Async} picked and why
 * (see {@link AsyncExecutorReport}), and what to do.
 * <p>
 * <b>With iowq disabled</b> ({@code iowq.enabled=false}, {@link #forDisabledIoWq()}) it installs
 * nothing, and start-up fails if any method is {@code @Hashed} or {@code @Unbounded}, naming every one:
 * on Spring Boot's executor, calls of one key would run at once.
 */
public class AsyncWorkPostProcessor implements BeanPostProcessor, PriorityOrdered, BeanFactoryAware,
        SmartInitializingSingleton {

    private static final Log logger = LogFactory.getLog(AsyncWorkPostProcessor.class);

    private final AsyncWorkAttributes attributes = new AsyncWorkAttributes();
    private final Set<Class<?>> checked = ConcurrentHashMap.newKeySet();
    private final List<Checked> toCheck = new ArrayList<>();
    private final boolean iowqEnabled;
    private ConfigurableListableBeanFactory beanFactory;
    private volatile IoWqAsyncAnnotationBeanPostProcessor installed;
    private volatile Supplier<Executor> configuredExecutor;
    private volatile boolean started;

    /** Installs iowq's {@code @Async} interception and checks that annotated methods run on iowq. */
    public AsyncWorkPostProcessor() {
        this(true);
    }

    private AsyncWorkPostProcessor(boolean iowqEnabled) {
        this.iowqEnabled = iowqEnabled;
    }

    /**
     * With {@code iowq.enabled=false}: installs nothing, and fails start-up naming every
     * {@code @Hashed} or {@code @Unbounded} method, since nothing would honour them.
     */
    public static AsyncWorkPostProcessor forDisabledIoWq() {
        return new AsyncWorkPostProcessor(false);
    }

    private record Checked(AsyncWorkAttributes.Attribute attribute, Class<?> targetClass) {
    }

    /** Needs a {@link ConfigurableListableBeanFactory}. */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    /** First of all post-processors, so that it is in place before {@code @EnableAsync}'s is created. */
    @Override
    public int getOrder() {
        return PriorityOrdered.HIGHEST_PRECEDENCE;
    }

    /**
     * Puts iowq's post-processor in place of {@code @EnableAsync}'s, and checks every other bean's
     * use of {@code @Hashed} and {@code @Unbounded}.
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        if (iowqEnabled && bean.getClass() == AsyncAnnotationBeanPostProcessor.class) {
            return replace((AsyncAnnotationBeanPostProcessor) bean);
        }
        Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
        if (checked.add(targetClass)) {
            for (AsyncWorkAttributes.Attribute a : attributes.check(targetClass)) {
                Checked c = new Checked(a, targetClass);
                if (started) {
                    checkExecutor(c);
                } else {
                    synchronized (toCheck) {
                        toCheck.add(c);
                    }
                }
            }
        }
        return bean;
    }

    private IoWqAsyncAnnotationBeanPostProcessor replace(AsyncAnnotationBeanPostProcessor original) {
        IoWqAsyncAnnotationBeanPostProcessor replacement = new IoWqAsyncAnnotationBeanPostProcessor();
        replacement.copyFrom(original);
        replacement.setOrder(original.getOrder());
        Class<? extends Annotation> annotation = enableAsyncAnnotationType();
        if (annotation != Async.class) {
            replacement.setAsyncAnnotationType(annotation);
        }
        // As @EnableAsync's configuration (AbstractAsyncConfiguration) reads the AsyncConfigurer.
        ObjectProvider<AsyncConfigurer> configurers = beanFactory.getBeanProvider(AsyncConfigurer.class);
        SingletonSupplier<AsyncConfigurer> configurer = SingletonSupplier.ofNullable(() -> {
            List<AsyncConfigurer> candidates = configurers.stream().toList();
            if (candidates.size() > 1) {
                throw new IllegalStateException("Only one AsyncConfigurer may exist");
            }
            return candidates.isEmpty() ? null : candidates.get(0);
        });
        // Asked once (the interceptor memoizes it too), so that a failure can tell this executor apart.
        Supplier<Executor> executor = SingletonSupplier.ofNullable(
                () -> configurer.get() != null ? configurer.get().getAsyncExecutor() : null);
        configuredExecutor = executor;
        Supplier<AsyncUncaughtExceptionHandler> handler = () -> configurer.get() != null
                ? configurer.get().getAsyncUncaughtExceptionHandler() : null;
        replacement.configure(executor, handler);
        replacement.setBeanClassLoader(beanFactory.getBeanClassLoader());
        replacement.setBeanFactory(beanFactory);
        installed = replacement;
        return replacement;
    }

    /** The annotation type {@code @EnableAsync} names ({@link Async} unless customized). */
    private Class<? extends Annotation> enableAsyncAnnotationType() {
        // Not getBeanNamesForAnnotation: it may initialize factory beans this early.
        for (String name : beanFactory.getBeanDefinitionNames()) {
            if (beanFactory.getBeanDefinition(name).isAbstract()) {
                continue;
            }
            EnableAsync enableAsync = beanFactory.findAnnotationOnBean(name, EnableAsync.class, false);
            if (enableAsync != null && enableAsync.annotation() != Annotation.class) {
                return enableAsync.annotation();
            }
        }
        return Async.class;
    }

    /** Checks that each {@code @Hashed} or {@code @Unbounded} method found so far runs on iowq. */
    @Override
    public void afterSingletonsInstantiated() {
        started = true;
        List<Checked> found;
        synchronized (toCheck) {
            found = List.copyOf(toCheck);
            toCheck.clear();
        }
        if (!iowqEnabled) {
            failIfAny(found);
            return;
        }
        for (Checked c : found) {
            checkExecutor(c);
        }
        tellWhereAsyncRuns();
    }

    /**
     * Logs at INFO when {@code @Async} calls without a qualifier go to another executor than iowq's
     * (the application's bean named {@code taskExecutor}, its {@code AsyncConfigurer}'s, ...), which
     * is Spring's rule but easy to miss.
     */
    private void tellWhereAsyncRuns() {
        IoWqAsyncAnnotationBeanPostProcessor processor = installed;
        if (processor == null || beanFactory.getBeanNamesForType(IoWqExecutor.class, true, false).length == 0) {
            return;
        }
        AsyncTaskExecutor executor;
        try {
            // Object.toString carries no @Async, so this is the executor of every unqualified @Async call.
            executor = processor.getInterceptor().executorFor(Object.class.getMethod("toString"));
        } catch (NoSuchMethodException | RuntimeException e) {
            return;
        }
        if (executor != null && !(executor instanceof IoWqExecutor)) {
            AsyncExecutorReport report = new AsyncExecutorReport(beanFactory);
            Supplier<Executor> configured = configuredExecutor;
            logger.info("@Async calls without a qualifier run on another executor than iowq's: "
                    + report.whyAsyncRunsOn(executor, "", configured != null ? configured.get() : null)
                            .replace("@Async runs it on", "they run on")
                    + "; " + report.whereIsIowq() + ", and @Async(\"applicationTaskExecutor\") runs a method on it");
        }
    }

    private void checkExecutor(Checked c) {
        if (!iowqEnabled) {
            failIfAny(List.of(c));
            return;
        }
        Method method = c.attribute().method();
        IoWqAsyncAnnotationBeanPostProcessor processor = installed;
        if (processor == null) {
            throw new InvalidAsyncWorkException(method, "@Hashed and @Unbounded work through @Async, which is not "
                    + "enabled in proxy mode: add @EnableAsync to a configuration class", null);
        }
        String qualifier = AsyncWorkAttributes.qualifier(method, c.targetClass());
        AsyncTaskExecutor executor;
        try {
            executor = processor.getInterceptor().executorFor(method);
        } catch (RuntimeException e) {
            throw new InvalidAsyncWorkException(method, "its @Async executor \"" + qualifier
                    + "\" cannot be found: " + e.getMessage(), e);
        }
        if (executor instanceof IoWqExecutor) {
            return;
        }
        AsyncExecutorReport report = new AsyncExecutorReport(beanFactory);
        Supplier<Executor> configured = configuredExecutor;
        String runsOn = report.whyAsyncRunsOn(executor, qualifier, configured != null ? configured.get() : null);
        String iowq = report.whereIsIowq();
        throw new InvalidAsyncWorkException(InvalidAsyncWorkException.describe(method),
                runsOn + ", but @Hashed and @Unbounded work needs iowq's IoWqExecutor; " + iowq,
                report.whatToDo(executor, qualifier), null);
    }

    /** With iowq disabled: fails naming every {@code @Hashed} or {@code @Unbounded} method in {@code found}. */
    private void failIfAny(List<Checked> found) {
        if (found.isEmpty()) {
            return;
        }
        StringBuilder methods = new StringBuilder(found.size() == 1 ? "1 method:" : found.size() + " methods:");
        for (Checked c : found) {
            methods.append(System.lineSeparator()).append("    ")
                    .append(InvalidAsyncWorkException.describe(c.attribute().method()));
        }
        String bootExecutor = new AsyncExecutorReport(beanFactory).applicationTaskExecutor();
        throw new InvalidAsyncWorkException(methods.toString(), "iowq.enabled=false, so @Async runs on "
                + bootExecutor + ", which ignores @Hashed and @Unbounded: calls of one key would run at once, "
                + "in any order", "Remove iowq.enabled=false to run them on iowq, or remove @Hashed and @Unbounded "
                + "from these methods if nothing depends on calls of one key running one at a time, in order.", null);
    }
}
