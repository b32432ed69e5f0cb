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
 * Times every item that ran: the timers {@code iowq.work.wait} (from acceptance to start) and
 * {@code iowq.work.duration} (from start to end), tagged {@code class} = bounded|unbounded. The pool
 * tells it of each end as an {@link IoWqListener}, so it must be in the pool's configuration before
 * the pool is built ({@code IoWqConfig.Builder.listener}; in Spring Boot, as a listener bean of the
 * auto-configured executor). Items cancelled before they started are not timed. The timers exist in
 * a registry once an {@link IoWqMeterBinder} has bound them there with the executor's name.
 */
public class IoWqWorkTimers implements IoWqListener {

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
                    .description("Time from an item's acceptance to its start")
                    .tags(classTags)
                    .register(registry);
            duration[c.ordinal()] = Timer.builder("iowq.work.duration")
                    .description("Time from an item's start to its end")
                    .tags(classTags)
                    .register(registry);
        }
        sinks.add(new Sink(registry, wait, duration));
    }

    @Override
    public void workEnded(Work<?> work, long waitNanos, long runNanos) {
        if (waitNanos == 0 && runNanos == 0) {
            return; // cancelled before it started
        }
        int c = work.workClass().ordinal();
        for (Sink s : sinks) {
            s.waits[c].record(waitNanos, TimeUnit.NANOSECONDS);
            s.durations[c].record(runNanos, TimeUnit.NANOSECONDS);
        }
    }

    private record Sink(MeterRegistry registry, Timer[] waits, Timer[] durations) {
    }
}
