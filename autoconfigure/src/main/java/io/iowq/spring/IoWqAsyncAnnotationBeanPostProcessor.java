package io.iowq.spring;

import java.lang.annotation.Annotation;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.aopalliance.aop.Advice;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.scheduling.annotation.AsyncAnnotationAdvisor;
import org.springframework.scheduling.annotation.AsyncAnnotationBeanPostProcessor;
import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;

/**
 * Spring's {@code @Async} post-processor whose advisor intercepts with an
 * {@link IoWqAsyncExecutionInterceptor}. {@link AsyncWorkPostProcessor} puts it in place of the one
 * that {@code @EnableAsync} declares, with the same configuration.
 */
public class IoWqAsyncAnnotationBeanPostProcessor extends AsyncAnnotationBeanPostProcessor {

    private static final long serialVersionUID = 1L;

    private transient Supplier<? extends Executor> executor;
    private transient Supplier<? extends AsyncUncaughtExceptionHandler> exceptionHandler;
    private transient Class<? extends Annotation> asyncAnnotationType;
    private transient IoWqAsyncExecutionInterceptor interceptor;

    /** A post-processor with no executor or exception handler of its own (they are looked up as Spring's are). */
    public IoWqAsyncAnnotationBeanPostProcessor() {
    }

    @Override
    public void configure(Supplier<? extends Executor> executor,
                          Supplier<? extends AsyncUncaughtExceptionHandler> exceptionHandler) {
        super.configure(executor, exceptionHandler);
        this.executor = executor;
        this.exceptionHandler = exceptionHandler;
    }

    @Override
    public void setExecutor(Executor executor) {
        super.setExecutor(executor);
        this.executor = () -> executor;
    }

    @Override
    public void setExceptionHandler(AsyncUncaughtExceptionHandler exceptionHandler) {
        super.setExceptionHandler(exceptionHandler);
        this.exceptionHandler = () -> exceptionHandler;
    }

    @Override
    public void setAsyncAnnotationType(Class<? extends Annotation> asyncAnnotationType) {
        super.setAsyncAnnotationType(asyncAnnotationType);
        this.asyncAnnotationType = asyncAnnotationType;
    }

    /** Builds the advisor, with an {@link IoWqAsyncExecutionInterceptor} as its advice. */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        Advisor advisor = new Advisor(executor, exceptionHandler);
        if (asyncAnnotationType != null) {
            advisor.setAsyncAnnotationType(asyncAnnotationType);
        }
        advisor.setBeanFactory(beanFactory);
        this.interceptor = (IoWqAsyncExecutionInterceptor) advisor.getAdvice();
        this.advisor = advisor;
    }

    /** The interceptor of {@code @Async} calls (set once the bean factory is). */
    public IoWqAsyncExecutionInterceptor getInterceptor() {
        return interceptor;
    }

    /** Spring's advisor, with iowq's interceptor. */
    private static final class Advisor extends AsyncAnnotationAdvisor {

        private static final long serialVersionUID = 1L;

        Advisor(Supplier<? extends Executor> executor, Supplier<? extends AsyncUncaughtExceptionHandler> handler) {
            super(executor, handler);
        }

        @Override
        protected Advice buildAdvice(Supplier<? extends Executor> executor,
                                     Supplier<? extends AsyncUncaughtExceptionHandler> exceptionHandler) {
            IoWqAsyncExecutionInterceptor interceptor = new IoWqAsyncExecutionInterceptor();
            interceptor.configure(executor, exceptionHandler);
            return interceptor;
        }
    }
}
