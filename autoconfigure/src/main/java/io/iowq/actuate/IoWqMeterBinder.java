package io.iowq.actuate;

import io.iowq.core.IoWqStats;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one {@link IoWqExecutor}, tagged {@code name} (its bean name) and, where it applies,
 * {@code class} = bounded|unbounded:
 * <ul>
 * <li>{@code iowq.workers} (tag {@code state} = running|idle|blocked), {@code iowq.workers.max},
 *     {@code iowq.queue.pending}, {@code iowq.keys.active}: gauges per class;</li>
 * <li>{@code iowq.work}: counter, tag {@code outcome} = completed|failed|cancelled|rejected;</li>
 * <li>{@code iowq.work.wait}, {@code iowq.work.duration}: timers per class, when given the
 *     {@link IoWqWorkTimers} that the pool was built with;</li>
 * <li>{@code iowq.work.long.running}: counter per class, when given a {@link LongRunningWorkMonitor};</li>
 * <li>the meters that Micrometer's {@code ExecutorServiceMetrics} gives a {@code ThreadPoolExecutor}
 *     (and so Spring Boot its task executor), with the same names, units and {@code name} tag, so that
 *     existing dashboards keep working: {@code executor.completed}, {@code executor.active},
 *     {@code executor.queued}, {@code executor.queue.remaining}, {@code executor.pool.size},
 *     {@code executor.pool.core}, {@code executor.pool.max}.</li>
 * </ul>
 * Gauges and counters read the pool's {@link IoWqExecutor#stats() stats} when the registry asks.
 */
public class IoWqMeterBinder implements MeterBinder {

    private final String name;
    private final IoWqExecutor executor;
    private final @Nullable IoWqWorkTimers timers;
    private final @Nullable LongRunningWorkMonitor longRunning;

    /** The meters of {@code executor} named {@code name}, without the per-item timers. */
    public IoWqMeterBinder(String name, IoWqExecutor executor) {
        this(name, executor, null, null);
    }

    /**
     * The meters of {@code executor} named {@code name}, with the per-item timers if {@code timers}
     * (the listener its pool was built with) is given, and the long-running counter if
     * {@code longRunning} is.
     */
    public IoWqMeterBinder(String name, IoWqExecutor executor, @Nullable IoWqWorkTimers timers,
                           @Nullable LongRunningWorkMonitor longRunning) {
        this.name = Objects.requireNonNull(name, "name");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.timers = timers;
        this.longRunning = longRunning;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("name", name);
        for (WorkClass c : WorkClass.values()) {
            bindClass(registry, tags.and("class", c.tag()), c);
        }
        for (Outcome o : Outcome.values()) {
            FunctionCounter.builder("iowq.work", executor, e -> o.count(e.stats()))
                    .description("Items that ended, or were refused, by outcome")
                    .tags(tags.and("outcome", o.tag))
                    .register(registry);
        }
        if (timers != null) {
            timers.bindTo(registry, tags);
        }
        bindExecutorMeters(registry, tags);
    }

    private void bindClass(MeterRegistry registry, Tags tags, WorkClass c) {
        workers(registry, tags, "running", e -> e.stats().of(c).running());
        workers(registry, tags, "idle", e -> e.stats().of(c).idle());
        workers(registry, tags, "blocked", e -> e.stats().of(c).blocked());
        Gauge.builder("iowq.workers.max", executor, e -> e.stats().of(c).maxWorkers())
                .description("Most workers")
                .tags(tags)
                .register(registry);
        Gauge.builder("iowq.queue.pending", executor, e -> e.stats().of(c).pending())
                .description("Items queued or waiting behind their key")
                .tags(tags)
                .register(registry);
        Gauge.builder("iowq.keys.active", executor, e -> e.stats().of(c).activeKeys())
                .description("Keys with work queued or running")
                .tags(tags)
                .register(registry);
        LongRunningWorkMonitor monitor = longRunning;
        if (monitor != null) {
            FunctionCounter.builder("iowq.work.long.running", monitor, m -> m.count(name, c))
                    .description("Items that ran longer than iowq.long-running-threshold")
                    .tags(tags)
                    .register(registry);
        }
    }

    private void workers(MeterRegistry registry, Tags tags, String state, ToDoubleFunction<IoWqExecutor> value) {
        Gauge.builder("iowq.workers", executor, value)
                .description("Workers by state: running (in work, not blocked, or about to take work), idle, "
                        + "blocked")
                .tags(tags.and("state", state))
                .register(registry);
    }

    /** As {@code ExecutorServiceMetrics} binds a {@code ThreadPoolExecutor}: the same names, descriptions and units. */
    private void bindExecutorMeters(MeterRegistry registry, Tags tags) {
        FunctionCounter.builder("executor.completed", executor, e -> {
                    IoWqStats s = e.stats();
                    return s.completed() + s.failed();
                })
                .description("The approximate total number of tasks that have completed execution")
                .baseUnit(BaseUnits.TASKS)
                .tags(tags)
                .register(registry);
        executorGauge(registry, tags, "executor.active", BaseUnits.THREADS,
                "The approximate number of threads that are actively executing tasks",
                s -> s.bounded().running() + s.bounded().blocked() + s.unbounded().running() + s.unbounded().blocked());
        executorGauge(registry, tags, "executor.queued", BaseUnits.TASKS,
                "The approximate number of tasks that are queued for execution", IoWqStats::pending);
        executorGauge(registry, tags, "executor.queue.remaining", BaseUnits.TASKS,
                "The number of additional elements that this queue can ideally accept without blocking",
                s -> Integer.MAX_VALUE - s.pending());
        executorGauge(registry, tags, "executor.pool.size", BaseUnits.THREADS,
                "The current number of threads in the pool", s -> s.bounded().workers() + s.unbounded().workers());
        // one bound worker is kept while the pool runs; every other worker exits when idle
        executorGauge(registry, tags, "executor.pool.core", BaseUnits.THREADS,
                "The core number of threads for the pool", s -> 1);
        executorGauge(registry, tags, "executor.pool.max", BaseUnits.THREADS,
                "The maximum allowed number of threads in the pool",
                s -> Math.min((long) Integer.MAX_VALUE, (long) s.bounded().maxWorkers() + s.unbounded().maxWorkers()));
    }

    private void executorGauge(MeterRegistry registry, Tags tags, String name, String unit, String description,
                               ToDoubleFunction<IoWqStats> value) {
        Gauge.builder(name, executor, e -> value.applyAsDouble(e.stats()))
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .register(registry);
    }

    private enum Outcome {
        COMPLETED("completed"), FAILED("failed"), CANCELLED("cancelled"), REJECTED("rejected");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        double count(IoWqStats s) {
            return switch (this) {
                case COMPLETED -> s.completed();
                case FAILED -> s.failed();
                case CANCELLED -> s.cancelled();
                case REJECTED -> s.rejected();
            };
        }
    }
}
