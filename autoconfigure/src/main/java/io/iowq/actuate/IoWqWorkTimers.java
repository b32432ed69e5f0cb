package io.iowq.actuate;

import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Times the items that ran, as the pool samples them: the timers {@code iowq.work.wait} (from
 * acceptance to start) and {@code iowq.work.duration} (from start to end), tagged {@code class} =
 * bounded|unbounded. The pool times a sample of the items ({@value #SAMPLE_DESCRIPTION}) and passes
 * {@code -1} for the others, which the timers skip: their counts are those of the sample, while the
 * {@code iowq.work} counters stay exact. The pool
 * tells it of each end as an {@link IoWqListener}, so it must be in the pool's configuration before
 * the pool is built ({@code IoWqConfig.Builder.listener}; in Spring Boot, as a listener bean of the
 * auto-configured executor). Items cancelled before they started are not timed. The timers exist in
 * a registry once an {@link IoWqMeterBinder} has bound them there with the executor's name.
 */
public class IoWqWorkTimers implements IoWqListener {

    /** What the timers' descriptions say of the sample. */
    static final String SAMPLE_DESCRIPTION = "a sample of the items, 1 in 16; iowq.work counts them all";

    private final List<Sink> sinks = new CopyOnWriteArrayList<>();
    private volatile @Nullable IoWqExecutor executor;

    /** Records that {@code executor}'s pool was built with this listener. */
    public void attachTo(IoWqExecutor executor) {
        this.executor = executor;
    }

    /** Whether {@code executor}'s pool was built with this listener, as {@link #attachTo} recorded. */
    public boolean isAttachedTo(IoWqExecutor executor) {
        return this.executor == executor;
    }

    /** Registers the timers in {@code registry} with {@code tags} (at least {@code name}); once per registry. */
    public synchronized void bindTo(MeterRegistry registry, Iterable<Tag> tags) {
        for (Sink s : sinks) {
            if (s.registry == registry) {
                return;
            }
        }
        Timer[] wait = new Timer[2];
        Timer[] duration = new Timer[2];
        for (WorkClass c : WorkClass.values()) {
            Tags classTags = Tags.of(tags).and("class", c.tag());
            wait[c.ordinal()] = Timer.builder("iowq.work.wait")
                    .description("Time from an item's acceptance to its start, for " + SAMPLE_DESCRIPTION)
                    .tags(classTags)
                    .register(registry);
            duration[c.ordinal()] = Timer.builder("iowq.work.duration")
                    .description("Time from an item's start to its end, for " + SAMPLE_DESCRIPTION)
                    .tags(classTags)
                    .register(registry);
        }
        sinks.add(new Sink(registry, wait, duration));
    }

    /**
     * Records the times of an item that ran and was timed: a time below zero (an item outside the
     * pool's sample) is not recorded, nor are those of an item cancelled before it started (both 0).
     */
    @Override
    public void workEnded(Work<?> work, long waitNanos, long runNanos) {
        if ((waitNanos == 0 && runNanos == 0) || (waitNanos < 0 && runNanos < 0)) {
            return; // cancelled before it started, or not in the sample
        }
        int c = work.workClass().ordinal();
        for (Sink s : sinks) {
            if (waitNanos >= 0) {
                s.waits[c].record(waitNanos, TimeUnit.NANOSECONDS);
            }
            if (runNanos >= 0) {
                s.durations[c].record(runNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private record Sink(MeterRegistry registry, Timer[] waits, Timer[] durations) {
    }
}
