package io.iowq.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The virtual-thread-per-task executor, reached through method handles: the module compiles with
 * {@code --release 17}, and the peer is there when the benchmark JVM is 21 or newer.
 */
final class VirtualThreads {

    private static final MethodHandle NEW_EXECUTOR;
    private static final MethodHandle NEW_THREAD_PER_TASK;
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle FACTORY;

    static {
        MethodHandle newExecutor = null;
        MethodHandle perTask = null;
        MethodHandle ofVirtual = null;
        MethodHandle factory = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            newExecutor = lookup.findStatic(Executors.class, "newVirtualThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class));
            perTask = lookup.findStatic(Executors.class, "newThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class, ThreadFactory.class));
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtualBuilder = Class.forName("java.lang.Thread$Builder$OfVirtual");
            ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualBuilder));
            factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
        } catch (ReflectiveOperationException e) {
            newExecutor = null; // JDK 17-20: no virtual threads
        }
        NEW_EXECUTOR = newExecutor;
        NEW_THREAD_PER_TASK = perTask;
        OF_VIRTUAL = ofVirtual;
        FACTORY = factory;
    }

    private VirtualThreads() {
    }

    /** Whether this JVM has virtual threads. */
    static boolean available() {
        return NEW_EXECUTOR != null;
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}. */
    static ExecutorService newExecutor() {
        try {
            return (ExecutorService) NEW_EXECUTOR.invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("virtual threads need JDK 21+, this is " + Runtime.version(), t);
        }
    }

    /** The same executor, whose virtual threads count themselves in {@code count}. */
    static ExecutorService newExecutor(ThreadCount count) {
        try {
            ThreadFactory virtual = (ThreadFactory) FACTORY.invoke(OF_VIRTUAL.invoke());
            return (ExecutorService) NEW_THREAD_PER_TASK.invoke(count.wrap(virtual));
        } catch (Throwable t) {
            throw new IllegalStateException("virtual threads need JDK 21+, this is " + Runtime.version(), t);
        }
    }
}
