package io.iowq.spring;

import io.iowq.core.CancelResult;
import io.iowq.core.Cancellation;
import io.iowq.core.IoWq;
import io.iowq.core.IoWqConfig;
import io.iowq.core.IoWqStats;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import io.iowq.core.WorkInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.TaskRejectedException;

/**
 * The io-wq pool as Spring's application task executor: an {@link AsyncTaskExecutor} and an
 * {@link java.util.concurrent.ExecutorService} over an engine {@link IoWq}, with the operator API
 * that the Actuator endpoint uses ({@link #cancel(long)}, {@link #cancelKey(Object)},
 * {@link #cancelAll()}, {@link #stats()}, {@link #pendingWork()}, {@link #runningWork(boolean)},
 * {@link #setMaxWorkers(WorkClass, int)}).
 * <p>
 * Every future it returns cancels in the pool: {@code cancel(true)} removes a pending item and
 * interrupts a running one. Each item carries the submitter's context (the pool's
 * {@link io.iowq.core.ContextHook}, in Spring Boot {@link ContextPropagationHook}), and a
 * {@link #setTaskDecorator TaskDecorator} wraps each task as it is submitted.
 * <p>
 * As a {@link SmartLifecycle} it shuts down when the application context closes, after the web
 * server's graceful shutdown: it stops taking work, lets the workers drain the queues for
 * {@link #setAwaitTermination await-termination}, then cancels what is left and logs it by id, key
 * and description (the seed's {@code io_wq_destroy}).
 */
public class IoWqExecutor extends AbstractExecutorService implements AsyncTaskExecutor, SmartLifecycle, DisposableBean {

    /**
     * The lifecycle phase: below the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}),
     * so requests in flight can still hand work over while the server drains, and the pool stops
     * after them.
     */
    public static final int DEFAULT_PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

    /** Default time the pool drains at shutdown before it cancels what is left. */
    public static final Duration DEFAULT_AWAIT_TERMINATION = Duration.ofSeconds(30);

    private static final Log logger = LogFactory.getLog(IoWqExecutor.class);

    private final IoWq ioWq;
    private volatile TaskDecorator taskDecorator;
    private volatile WorkObservations observations;
    private volatile Duration awaitTermination = DEFAULT_AWAIT_TERMINATION;
    private volatile boolean running;

    /** An executor over {@code ioWq}, which it shuts down with itself. */
    public IoWqExecutor(IoWq ioWq) {
        this.ioWq = Objects.requireNonNull(ioWq, "ioWq");
    }

    /** An executor over a new pool built from {@code config}. */
    public IoWqExecutor(IoWqConfig config) {
        this(new IoWq(config));
    }

    /** The engine pool under this executor. */
    public IoWq ioWq() {
        return ioWq;
    }

    /**
     * Wraps every task submitted from now on, in the submitting thread, as Spring's executors do
     * (for example to carry a thread-local along). Tasks given as ready-made {@link Work} items to
     * {@link #enqueue(Work)} are not wrapped; build them with {@link #work(Callable)} to have them
     * wrapped.
     */
    public void setTaskDecorator(TaskDecorator taskDecorator) {
        this.taskDecorator = taskDecorator;
    }

    /**
     * Observes every item submitted from now on, one Micrometer observation each
     * ({@link WorkObservations}); {@code null} (the default) observes none.
     */
    public void setObservations(WorkObservations observations) {
        this.observations = observations;
    }

    /** How long shutdown lets the workers drain the queues before it cancels what is left (default 30 s). */
    public void setAwaitTermination(Duration awaitTermination) {
        Objects.requireNonNull(awaitTermination, "awaitTermination");
        if (awaitTermination.isNegative()) {
            throw new IllegalArgumentException("awaitTermination must not be negative, was " + awaitTermination);
        }
        this.awaitTermination = awaitTermination;
    }

    /** How long shutdown lets the workers drain the queues before it cancels what is left. */
    public Duration getAwaitTermination() {
        return awaitTermination;
    }

    // ------------------------------------------------------------------ submission

    /**
     * An item, not yet submitted, that calls {@code task} wrapped by the task decorator (applied now,
     * in this thread), described by the task's {@code toString()} (read when the description is
     * asked for, not on the hand-off). Describe it further (for example {@code .hashed(key)},
     * {@code .unbound()}) and submit it with {@link #enqueue(Work)}.
     */
    public <V> Work<V> work(Callable<V> task) {
        Objects.requireNonNull(task, "task");
        TaskDecorator decorator = taskDecorator;
        return Work.of(decorator == null ? task : decorated(decorator, task));
    }

    /** An item, not yet submitted, that runs {@code task}; see {@link #work(Callable)}. */
    public Work<Object> work(Runnable task) {
        return work(task, null);
    }

    /** An item, not yet submitted, that runs {@code task} and then has {@code result}. */
    private <T> Work<T> work(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        return work(new RunnableCall<>(task, result));
    }

    /**
     * Submits {@code work} and its links as they are (the seed's {@code io_wq_enqueue}); returns it,
     * for it is its own future.
     *
     * @throws TaskRejectedException (a {@link RejectedExecutionException}, as Spring's executors throw)
     *                               if the pool is shut down, or the item is unbound and the thread
     *                               limit is reached
     */
    public <V> Work<V> enqueue(Work<V> work) {
        WorkObservations o = observations;
        try {
            return o == null ? ioWq.enqueue(work) : o.enqueue(ioWq, work, null);
        } catch (RejectedExecutionException e) {
            throw rejected(work, e);
        }
    }

    /**
     * Submits the item of an {@code @Async} call of {@code method}: through {@link #enqueue(Work)}
     * unless it is observed (then the observation is named for the method).
     */
    <V> Work<V> enqueueCall(Work<V> work, String method) {
        WorkObservations o = observations;
        if (o == null) {
            return enqueue(work);
        }
        try {
            return o.enqueue(ioWq, work, method);
        } catch (RejectedExecutionException e) {
            throw rejected(work, e);
        }
    }

    /** As Spring's executors report a refusal: a {@link TaskRejectedException} around the engine's. */
    private TaskRejectedException rejected(Object task, RejectedExecutionException e) {
        return e instanceof TaskRejectedException t ? t
                : new TaskRejectedException("IoWqExecutor did not accept " + task + ": " + e.getMessage(), e);
    }

    /**
     * Runs {@code command}; if it throws, the exception goes to the worker thread's uncaught
     * exception handler. A {@link Work} item that was not submitted yet is submitted as it is.
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        if (command instanceof Work<?> work) {
            enqueue(work);
            return;
        }
        TaskDecorator decorator = taskDecorator;
        Runnable task = decorator == null ? command : new Described(decorator.decorate(command), command);
        WorkObservations o = observations;
        try {
            if (o == null) {
                ioWq.execute(task);
            } else {
                o.execute(ioWq, task);
            }
        } catch (RejectedExecutionException e) {
            throw rejected(command, e);
        }
    }

    /** Submits {@code task}; the future it returns is the pool's item. */
    @Override
    public Work<?> submit(Runnable task) {
        return enqueue(work(task));
    }

    /** Submits {@code task}; the future it returns is the pool's item. */
    @Override
    public <T> Work<T> submit(Runnable task, T result) {
        return enqueue(work(task, result));
    }

    /** Submits {@code task}; the future it returns is the pool's item. */
    @Override
    public <T> Work<T> submit(Callable<T> task) {
        return enqueue(work(task));
    }

    /**
     * Submits {@code task}; unlike Spring's default, cancelling the future it returns cancels the
     * item in the pool (and {@code cancel(true)} interrupts it if it runs).
     */
    @Override
    public CompletableFuture<Void> submitCompletable(Runnable task) {
        return WorkCompletableFuture.of(enqueue(work(task, (Void) null)));
    }

    /**
     * Submits {@code task}; unlike Spring's default, cancelling the future it returns cancels the
     * item in the pool (and {@code cancel(true)} interrupts it if it runs).
     */
    @Override
    public <T> CompletableFuture<T> submitCompletable(Callable<T> task) {
        return WorkCompletableFuture.of(enqueue(work(task)));
    }

    /** Items for {@code invokeAll} and {@code invokeAny}, so that their cancellation reaches the pool. */
    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return work(callable);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return work(runnable, value);
    }

    // ------------------------------------------------------------------ operator API

    /** Cancels the item with this id: {@code OK} (was pending), {@code RUNNING} (interrupted) or {@code NOT_FOUND}. */
    public CancelResult cancel(long id) {
        return ioWq.cancel(id);
    }

    /**
     * Cancels every pending and running item of {@code key}. Operators address keys by the string form
     * the work list shows, so a {@link String} argument also matches every key whose
     * {@code String.valueOf} equals it (the key {@code 42L} is cancelled by {@code "42"}).
     */
    public Cancellation cancelKey(Object key) {
        Objects.requireNonNull(key, "key");
        return ioWq.cancel(keyMatcher(key), true);
    }

    private static Predicate<Work<?>> keyMatcher(Object key) {
        if (key instanceof String text) {
            return w -> w.key() != null && (text.equals(w.key()) || text.equals(String.valueOf(w.key())));
        }
        return w -> key.equals(w.key());
    }

    /** Cancels every pending and running item (the seed's {@code io_wq_cancel_all}). */
    public Cancellation cancelAll() {
        return ioWq.cancelAll();
    }

    /** A snapshot of the pool's figures. */
    public IoWqStats stats() {
        return ioWq.stats();
    }

    /** The items waiting to run. */
    public List<WorkInfo> pendingWork() {
        return ioWq.pendingWork();
    }

    /** The items running now, with their workers' stacks if {@code stacks}. */
    public List<WorkInfo> runningWork(boolean stacks) {
        return ioWq.runningWork(stacks);
    }

    /** Changes the most workers of {@code workClass} at run time. */
    public void setMaxWorkers(WorkClass workClass, int maxWorkers) {
        ioWq.setMaxWorkers(workClass, maxWorkers);
    }

    // ------------------------------------------------------------------ ExecutorService life

    /** Refuses new work; the workers drain what is queued, then exit. */
    @Override
    public void shutdown() {
        ioWq.shutdown();
    }

    /**
     * Refuses new work, cancels everything pending and interrupts everything running. Returns the
     * pending items it cancelled, each a {@link Work}.
     */
    @Override
    public List<Runnable> shutdownNow() {
        return ioWq.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return ioWq.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return ioWq.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return ioWq.awaitTermination(timeout, unit);
    }

    // ------------------------------------------------------------------ Spring life

    /** Marks the executor running; the pool itself runs from construction on. */
    @Override
    public void start() {
        running = true;
    }

    /** Shuts the pool down as described in the class comment. */
    @Override
    public void stop() {
        running = false;
        drainThenCancel();
    }

    /** Whether the executor runs and takes work. */
    @Override
    public boolean isRunning() {
        return running && !ioWq.isShutdown();
    }

    /** {@link #DEFAULT_PHASE}. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }

    /** Shuts the pool down, if {@link #stop()} has not. */
    @Override
    public void destroy() {
        running = false;
        drainThenCancel();
    }

    /**
     * Stops taking work, drains for {@link #getAwaitTermination()}, then cancels what is left and logs
     * it. Returns the pending items it cancelled; does nothing once the pool has terminated.
     */
    public List<Work<?>> drainThenCancel() {
        if (ioWq.isTerminated()) {
            return List.of();
        }
        ioWq.shutdown();
        try {
            if (ioWq.awaitTermination(awaitTermination.toNanos(), TimeUnit.NANOSECONDS)) {
                return List.of();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<WorkInfo> interrupted = ioWq.runningWork(false);
        List<Work<?>> cancelled = new ArrayList<>();
        for (Runnable r : ioWq.shutdownNow()) {
            cancelled.add((Work<?>) r);
        }
        if (!cancelled.isEmpty() || !interrupted.isEmpty()) {
            logger.warn(leftAtShutdown(cancelled, interrupted));
        }
        return cancelled;
    }

    private String leftAtShutdown(List<Work<?>> cancelled, List<WorkInfo> interrupted) {
        StringBuilder sb = new StringBuilder("iowq: work left after draining for ").append(awaitTermination)
                .append(": cancelled ").append(cancelled.size()).append(" pending, interrupted ")
                .append(interrupted.size()).append(" running");
        for (Work<?> w : cancelled) {
            appendItem(sb, "pending", w.id(), w.key() == null ? null : String.valueOf(w.key()), w.description());
        }
        for (WorkInfo w : interrupted) {
            appendItem(sb, "running", w.id(), w.key(), w.description());
        }
        return sb.toString();
    }

    private static void appendItem(StringBuilder sb, String state, long id, String key, String description) {
        sb.append(System.lineSeparator()).append("  ").append(state).append(" id=").append(id)
                .append(" key=").append(key).append(" description=").append(description);
    }

    @Override
    public String toString() {
        return "IoWqExecutor[" + ioWq + "]";
    }

    // ------------------------------------------------------------------ task decoration

    /**
     * {@code task} wrapped by {@code decorator}: a decorator wraps a {@link Runnable}, so the call's
     * outcome is carried out of it. {@code decorate} runs now, in the submitting thread.
     */
    private static <V> Callable<V> decorated(TaskDecorator decorator, Callable<V> task) {
        Outcome<V> outcome = new Outcome<>(task);
        return new DecoratedCall<>(decorator.decorate(outcome), outcome);
    }

    /** A decorated call, described as the call it runs. */
    private record DecoratedCall<V>(Runnable decorated, Outcome<V> outcome) implements Callable<V> {
        @Override
        public V call() throws Exception {
            decorated.run();
            return outcome.get();
        }

        @Override
        public String toString() {
            return String.valueOf(outcome.task);
        }
    }

    /** A {@link Runnable} called for a result, described as the runnable. */
    private record RunnableCall<T>(Runnable task, T result) implements Callable<T> {
        @Override
        public T call() {
            task.run();
            return result;
        }

        @Override
        public String toString() {
            return String.valueOf(task);
        }
    }

    /** Runs a call inside a decorated {@link Runnable} and keeps what it returned or threw. */
    private static final class Outcome<V> implements Runnable {
        private final Callable<V> task;
        private V value;
        private Throwable failure;

        Outcome(Callable<V> task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                value = task.call();
            } catch (Throwable t) {
                failure = t;
            }
        }

        V get() throws Exception {
            if (failure instanceof Exception e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            return value;
        }
    }

    /** A decorated task that keeps the original's description. */
    private record Described(Runnable decorated, Runnable original) implements Runnable {
        @Override
        public void run() {
            decorated.run();
        }

        @Override
        public String toString() {
            return String.valueOf(original);
        }
    }
}
