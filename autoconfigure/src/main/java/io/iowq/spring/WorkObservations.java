package io.iowq.spring;

import io.iowq.core.ContextHook;
import io.iowq.core.IoWq;
import io.iowq.core.Work;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One Micrometer observation per item that an {@link IoWqExecutor} submits: {@code iowq.work}
 * ({@link IoWqObservationDocumentation}), named and tagged by an {@link IoWqObservationConvention}.
 * With a tracing handler in the registry each item is a span, a child of the submitter's span, and
 * the current span of its worker while it runs, so what the item does is traced under it.
 * <p>
 * The observation starts in the submitting thread, before the pool is given the item (its parent is
 * the submitter's current observation), with the event {@code queued}; it is stopped once the item
 * has ended, with its outcome, by {@link Work#whenDone}. The worker's side comes through the pool's
 * {@link ContextHook}, which {@link #contextHook} wraps: when the worker installs the item's context
 * it marks the event {@code started} and opens the observation's scope on top of the submitter's
 * context, and closes it when the item leaves the worker; a block of its worker, told or observed,
 * is the event {@code blocked.told} or {@code blocked.observed}. An item that a cancel ends while it runs
 * is stopped when its worker leaves it, so its scope is never used after its stop; one cancelled
 * while pending never had a scope. A refused item is stopped at once, outcome {@code rejected}.
 * <p>
 * An executor observes only once {@link IoWqExecutor#setObservations} is given one of these; without
 * it, a submission costs one read of a field more.
 */
public final class WorkObservations {

    private static final IoWqObservationConvention DEFAULT_CONVENTION = new DefaultIoWqObservationConvention();

    private final ObservationRegistry registry;
    private final @Nullable IoWqObservationConvention convention;
    /** The item this thread is submitting, from {@link #enqueue} until the pool has captured its context. */
    private final ThreadLocal<Item> submitting = new ThreadLocal<>();

    /**
     * Observations in {@code registry}, named and tagged by {@code convention}, or by
     * {@link DefaultIoWqObservationConvention} if it is {@code null}.
     */
    public WorkObservations(ObservationRegistry registry, @Nullable IoWqObservationConvention convention) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.convention = convention;
    }

    /**
     * {@code delegate} (the pool's context hook, which carries the submitter's context), made to
     * mark each observed item started and make its observation current while it runs. Give it to
     * the pool's configuration ({@code IoWqConfig.Builder.contextHook}) before the pool is built.
     */
    public ContextHook contextHook(ContextHook delegate) {
        Objects.requireNonNull(delegate, "delegate");
        return () -> {
            ContextHook.Snapshot context = delegate.capture();
            Item item = submitting.get();
            if (item == null) {
                return context;
            }
            item.context = context;
            return item;
        };
    }

    /**
     * Submits {@code work} to {@code pool} under a new observation; {@code asyncMethod} names the
     * {@code @Async} method it stands for, if it does.
     */
    <V> Work<V> enqueue(IoWq pool, Work<V> work, @Nullable String asyncMethod) {
        Observation observation = IoWqObservationDocumentation.WORK.observation(convention, DEFAULT_CONVENTION,
                () -> new IoWqObservationContext(work, asyncMethod), registry);
        if (observation.isNoop()) { // no handler, or turned off by a predicate
            return pool.enqueue(work);
        }
        IoWqObservationContext context = (IoWqObservationContext) observation.getContext();
        Item item = new Item(observation, context);
        observation.start();
        observation.event(IoWqObservationDocumentation.Events.QUEUED);
        submitting.set(item);
        try {
            pool.enqueue(work);
        } catch (RuntimeException | Error e) {
            if (e instanceof RejectedExecutionException) {
                context.rejected();
            }
            observation.error(e);
            observation.stop();
            throw e;
        } finally {
            submitting.remove();
        }
        work.whenDone(item::ended);
        return work;
    }

    /**
     * Submits {@code task} as {@code execute} does, under a new observation: its failure goes to the
     * worker's uncaught-exception handler, after its end is counted, as the pool's own
     * {@code execute} does.
     */
    void execute(IoWq pool, Runnable task) {
        Work<Object> work = Work.of(task);
        work.whenDone(() -> {
            Throwable failure = work.failure();
            if (failure != null) {
                Thread current = Thread.currentThread();
                current.getUncaughtExceptionHandler().uncaughtException(current, failure);
            }
        });
        enqueue(pool, work, null);
    }

    /**
     * One observed item: its observation, and where its worker is with it. The state moves
     * {@code QUEUED} to {@code RUNNING} (the worker installed its context) to {@code LEFT} (the
     * worker closed it), and from {@code RUNNING} to {@code TELLING} and back while a block is told
     * (the others wait that out); an end seen while {@code RUNNING} moves it to {@code ENDED} instead and
     * leaves the stop to the worker, and an end seen while {@code QUEUED} moves it to {@code ENDED}
     * so that no worker opens a scope after the stop. Whoever sees the other side done stops the
     * observation, once.
     */
    private static final class Item extends AtomicInteger implements ContextHook.Snapshot, ContextHook.Scope {

        private static final int QUEUED = 0;
        private static final int RUNNING = 1;
        private static final int LEFT = 2;
        private static final int ENDED = 3;
        /** {@code RUNNING}, while the manager or the worker tells the observation of a block: no stop meanwhile. */
        private static final int TELLING = 4;

        private final Observation observation;
        private final IoWqObservationContext observed;
        /** The submitter's context, captured by the pool's hook; installed under the observation's scope. */
        ContextHook.Snapshot context = ContextHook.Snapshot.EMPTY;
        // Written and read by the worker only, between install and close.
        private ContextHook.Scope contextScope = ContextHook.Scope.NOOP;
        private Observation.@Nullable Scope observationScope;

        Item(Observation observation, IoWqObservationContext observed) {
            this.observation = observation;
            this.observed = observed;
        }

        /** The worker starts the item: the submitter's context, then the item's observation on top. */
        @Override
        public ContextHook.Scope install() {
            ContextHook.Scope scope = context.install();
            if (!compareAndSet(QUEUED, RUNNING)) {
                return scope;
            }
            contextScope = scope;
            observation.event(IoWqObservationDocumentation.Events.STARTED);
            observationScope = observation.openScope();
            return this;
        }

        /** The worker leaves the item. */
        @Override
        public void close() {
            try {
                Observation.Scope scope = observationScope;
                if (scope != null) {
                    scope.close();
                }
            } finally {
                contextScope.close();
                if (!compareAndSet(RUNNING, LEFT) && awaitNotTelling() != LEFT) {
                    stop(); // ended by a cancel while it ran
                }
            }
        }

        /** After a failed move from {@code RUNNING} to {@code LEFT}: waits out a block being told, then moves again; the state it left. */
        private int awaitNotTelling() {
            for (int s; (s = get()) == TELLING || s == RUNNING; ) {
                if (s == RUNNING && compareAndSet(RUNNING, LEFT)) {
                    return LEFT;
                }
                Thread.onSpinWait();
            }
            return get();
        }

        /** Its worker was taken as blocked, told or observed, while it ran; never after the stop. */
        @Override
        public void blocked(boolean observed) {
            if (!compareAndSet(RUNNING, TELLING)) {
                return;
            }
            try {
                observation.event(observed ? IoWqObservationDocumentation.Events.BLOCKED_OBSERVED
                        : IoWqObservationDocumentation.Events.BLOCKED_TOLD);
            } finally {
                set(RUNNING);
            }
        }

        /** The item has ended (a {@link Work#whenDone} action, on the thread that ended it). */
        void ended() {
            for (;;) {
                int s = get();
                if (s == TELLING) {
                    Thread.onSpinWait(); // a block is being told: the stop comes after it
                } else if (s == RUNNING) {
                    if (compareAndSet(RUNNING, ENDED)) {
                        return; // its worker is still in it: close() stops it
                    }
                } else if (s == QUEUED) {
                    if (compareAndSet(QUEUED, ENDED)) {
                        stop();
                        return;
                    }
                } else {
                    stop();
                    return;
                }
            }
        }

        private void stop() {
            Work<?> work = observed.getWork();
            if (work.isCancelled()) {
                observation.event(IoWqObservationDocumentation.Events.CANCELLED);
            }
            Throwable failure = work.failure();
            if (failure != null) {
                observation.error(failure);
            }
            observation.stop();
        }
    }
}
