package io.iowq.actuate;

import io.iowq.core.WorkClass;
import io.iowq.core.WorkInfo;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Reports work that runs longer than a threshold ({@code iowq.long-running-threshold}): each such
 * item is logged once, at WARN, with the top frames of its worker's stack, and counted per executor
 * and class ({@link #count}, the meter {@code iowq.work.long.running}).
 * <p>
 * A daemon thread looks at the running work every half threshold (at least every second, at most
 * every 10 ms); that look costs one pass over each account under its lock, and a stack is taken only
 * for an item that has just crossed the threshold. Ids of reported items are forgotten once they stop
 * running, so memory follows the work in flight.
 */
public class LongRunningWorkMonitor implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(LongRunningWorkMonitor.class);

    private final Duration threshold;
    private final long thresholdMillis;
    private final Supplier<Map<String, IoWqExecutor>> executors;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private volatile boolean resolved;
    private volatile @Nullable ScheduledExecutorService scheduler;

    /**
     * A monitor of the executors that {@code executors} names (asked once, at {@link #start()} or
     * the first {@link #check()}), reporting items running for {@code threshold} or longer.
     */
    public LongRunningWorkMonitor(Duration threshold, Supplier<Map<String, IoWqExecutor>> executors) {
        Objects.requireNonNull(threshold, "threshold");
        if (threshold.isNegative() || threshold.isZero()) {
            throw new IllegalArgumentException("threshold must be positive, was " + threshold);
        }
        this.threshold = threshold;
        this.thresholdMillis = threshold.toMillis();
        this.executors = Objects.requireNonNull(executors, "executors");
    }

    /** The threshold. */
    public Duration getThreshold() {
        return threshold;
    }

    /** How many items of {@code workClass} on the executor named {@code name} have been reported. */
    public long count(String name, WorkClass workClass) {
        Watched w = watched.get(name);
        return w == null ? 0 : w.counts[workClass.ordinal()].sum();
    }

    /** One look at the running work of every executor; the monitor's thread calls it periodically. */
    public synchronized void check() {
        resolve();
        for (Watched w : watched.values()) {
            try {
                check(w);
            } catch (RuntimeException e) {
                logger.debug("iowq: could not look at the running work of " + w.name, e);
            }
        }
    }

    private void resolve() {
        if (!resolved) {
            executors.get().forEach((name, executor) -> watched.put(name, new Watched(name, executor)));
            resolved = true;
        }
    }

    /** {@link #check()} for the monitor's thread: a failure is logged, and the next look still comes. */
    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            logger.debug("iowq: could not look at the running work", e);
        }
    }

    private void check(Watched w) {
        if (w.executor.isTerminated()) {
            return;
        }
        Set<Long> live = new HashSet<>();
        Set<Long> crossed = new HashSet<>();
        for (WorkInfo item : w.executor.runningWork(false)) {
            live.add(item.id());
            if (item.millis() >= thresholdMillis && !w.reported.contains(item.id())) {
                crossed.add(item.id());
            }
        }
        w.reported.retainAll(live);
        if (crossed.isEmpty()) {
            return;
        }
        for (WorkInfo item : w.executor.runningWork(true)) {
            if (crossed.contains(item.id()) && w.reported.add(item.id())) {
                w.counts[item.workClass().ordinal()].increment();
                logger.warn(describe(w.name, item));
            }
        }
    }

    private String describe(String name, WorkInfo item) {
        StringBuilder sb = new StringBuilder("iowq: work ").append(item.id())
                .append(" (").append(item.description())
                .append(", key=").append(item.key())
                .append(", ").append(item.workClass().tag())
                .append(") of ").append(name)
                .append(" has run for ").append(item.millis()).append(" ms on ").append(item.worker())
                .append(", longer than iowq.long-running-threshold (").append(threshold).append(")");
        for (String frame : StackFrames.top(item.stack())) {
            sb.append(System.lineSeparator()).append("\tat ").append(frame);
        }
        return sb.toString();
    }

    /** Every half threshold, between 10 ms and 1 s. */
    long periodMillis() {
        return Math.max(10, Math.min(1000, thresholdMillis / 2));
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        resolve();
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iowq-long-running");
            t.setDaemon(true);
            return t;
        });
        long period = periodMillis();
        s.scheduleWithFixedDelay(this::checkQuietly, period, period, TimeUnit.MILLISECONDS);
        scheduler = s;
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService s = scheduler;
        scheduler = null;
        if (s != null) {
            s.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    /** Runs while the executors run: started after them and stopped before them. */
    @Override
    public int getPhase() {
        return IoWqExecutor.DEFAULT_PHASE + 1;
    }

    private static final class Watched {
        final String name;
        final IoWqExecutor executor;
        final Set<Long> reported = new HashSet<>();
        final LongAdder[] counts = {new LongAdder(), new LongAdder()};

        Watched(String name, IoWqExecutor executor) {
            this.name = name;
            this.executor = executor;
        }
    }
}
