package io.iowq.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * How an {@link IoWq} is built: the seed's {@code struct io_wq_data} plus the knobs later kernels
 * added. Limits are per class. Unset values take defaults derived from the machine:
 * bound {@code concurrency} = the CPUs, bound {@code maxWorkers} = 4 × the CPUs
 * (io_uring's {@code min(sq_entries, 4 * CPUs)}), unbound {@code concurrency} = the CPUs,
 * unbound {@code maxWorkers} = the threads still available under the process thread limit.
 * Bad values are refused by {@link Builder#build()} with an {@link IllegalArgumentException} that
 * names them, as the seed returns {@code -EINVAL}.
 */
public final class IoWqConfig {

    /** Default time an idle worker waits for work before it exits. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(5);

    /** Default prefix of worker thread names. */
    public static final String DEFAULT_THREAD_NAME_PREFIX = "iowq-";

    /** One class's limits, resolved and checked by {@link Builder#build()}. */
    private record ClassLimits(int maxWorkers, int concurrency, int queueCapacity) {
    }

    /** Every value, resolved and checked by {@link Builder#build()}. */
    private record Values(ClassLimits[] limits, ThreadLimit threadLimit, Duration idleTimeout,
            String threadNamePrefix, ThreadFactory threadFactory, ContextHook contextHook, IoWqListener listener,
            boolean observeBlocking, Duration blockingSamplePeriod, boolean recordTimes) {
    }

    private final Values values;

    private IoWqConfig(Values values) {
        this.values = values;
    }

    /** A builder with every value at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration with every value at its default. */
    public static IoWqConfig defaults() {
        return builder().build();
    }

    /** Most workers of {@code workClass}. */
    public int maxWorkers(WorkClass workClass) {
        return values.limits()[workClass.ordinal()].maxWorkers();
    }

    /** Running workers of {@code workClass} that the pool aims for. */
    public int concurrency(WorkClass workClass) {
        return values.limits()[workClass.ordinal()].concurrency();
    }

    /** Time an idle worker waits for work before it exits. */
    public Duration idleTimeout() {
        return values.idleTimeout();
    }

    /** Prefix of worker thread names. */
    public String threadNamePrefix() {
        return values.threadNamePrefix();
    }

    /** Creates the worker threads (they are named by the pool). */
    public ThreadFactory threadFactory() {
        return values.threadFactory();
    }

    /** Carries the submitter's context to the worker. */
    public ContextHook contextHook() {
        return values.contextHook();
    }

    /** Receives the pool's events. */
    public IoWqListener listener() {
        return values.listener();
    }

    /** The process thread limit that unbound workers count against. */
    public ThreadLimit threadLimit() {
        return values.threadLimit();
    }

    /** Whether the manager watches busy workers for blocking they did not announce. */
    public boolean observeBlocking() {
        return values.observeBlocking();
    }

    /** The longest period between two looks at busy workers while work waits. */
    public Duration blockingSamplePeriod() {
        return values.blockingSamplePeriod();
    }

    /**
     * Whether the pool stamps when each item is accepted and starts, for the ages in
     * {@link IoWq#pendingWork()} and {@link IoWq#runningWork} (from a coarse clock, exact to about a
     * millisecond), and times one item in 16 exactly, for the listener's wait and run times. Off by
     * default. The Spring Boot starter turns it on, for its timers and its Actuator endpoint.
     */
    public boolean recordTimes() {
        return values.recordTimes();
    }

    /**
     * Most items of {@code workClass} that may wait (queued, or behind their key); a
     * submission beyond it is refused with a {@code RejectedExecutionException}. Unbounded by default.
     */
    public int queueCapacity(WorkClass workClass) {
        return values.limits()[workClass.ordinal()].queueCapacity();
    }

    /** Builds an {@link IoWqConfig}; unset values take their defaults. */
    public static final class Builder {

        private final Integer[] maxWorkers = new Integer[2];
        private final Integer[] concurrency = new Integer[2];
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private String threadNamePrefix = DEFAULT_THREAD_NAME_PREFIX;
        private ThreadFactory threadFactory = Thread::new;
        private ContextHook contextHook = ContextHook.NONE;
        private IoWqListener listener = IoWqListener.NONE;
        private ThreadLimit threadLimit;
        private boolean observeBlocking = true;
        private Duration blockingSamplePeriod = Duration.ofMillis(10);
        private boolean recordTimes;
        private final int[] queueCapacity = {Integer.MAX_VALUE, Integer.MAX_VALUE};

        private Builder() {
        }

        /** Most workers of {@code workClass}. */
        public Builder maxWorkers(WorkClass workClass, int maxWorkers) {
            this.maxWorkers[workClass.ordinal()] = maxWorkers;
            return this;
        }

        /** Running workers of {@code workClass} the pool aims for. */
        public Builder concurrency(WorkClass workClass, int concurrency) {
            this.concurrency[workClass.ordinal()] = concurrency;
            return this;
        }

        /** Time an idle worker waits for work before it exits (default 5 s). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
            return this;
        }

        /** Prefix of worker thread names (default {@code iowq-}). */
        public Builder threadNamePrefix(String threadNamePrefix) {
            this.threadNamePrefix = Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
            return this;
        }

        /** Creates the worker threads; the pool names them. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Carries the submitter's context to the worker. */
        public Builder contextHook(ContextHook contextHook) {
            this.contextHook = Objects.requireNonNull(contextHook, "contextHook");
            return this;
        }

        /** Receives the pool's events. */
        public Builder listener(IoWqListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The process thread limit; by default read from the system ({@link ThreadLimit#detect()}). */
        public Builder threadLimit(ThreadLimit threadLimit) {
            this.threadLimit = Objects.requireNonNull(threadLimit, "threadLimit");
            return this;
        }

        /** Whether the manager watches busy workers for blocking (default on). */
        public Builder observeBlocking(boolean observeBlocking) {
            this.observeBlocking = observeBlocking;
            return this;
        }

        /** Most items of {@code workClass} that may wait (default: no bound). */
        public Builder queueCapacity(WorkClass workClass, int capacity) {
            this.queueCapacity[workClass.ordinal()] = capacity;
            return this;
        }

        /** See {@link IoWqConfig#recordTimes()}; off by default. */
        public Builder recordTimes(boolean recordTimes) {
            this.recordTimes = recordTimes;
            return this;
        }

        /** The longest period between two looks at busy workers while work waits (default 10 ms). */
        public Builder blockingSamplePeriod(Duration period) {
            this.blockingSamplePeriod = Objects.requireNonNull(period, "blockingSamplePeriod");
            return this;
        }

        /** The engine keeps durations in nanoseconds: a {@code long} holds about 292 years of them. */
        private static void requireNanos(Duration d, String name) {
            require(d.compareTo(LONGEST) <= 0, name + " must be at most " + LONGEST + " (292 years), was " + d);
        }

        private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

        /** Validates and builds; bad values throw {@link IllegalArgumentException} naming them. */
        public IoWqConfig build() {
            require(!idleTimeout.isNegative(), "idleTimeout must not be negative, was " + idleTimeout);
            require(!blockingSamplePeriod.isNegative() && !blockingSamplePeriod.isZero(),
                    "blockingSamplePeriod must be positive, was " + blockingSamplePeriod);
            requireNanos(idleTimeout, "idleTimeout");
            requireNanos(blockingSamplePeriod, "blockingSamplePeriod");
            ThreadLimit limit = threadLimit != null ? threadLimit : ThreadLimit.detect();
            int cpus = Runtime.getRuntime().availableProcessors();
            ClassLimits[] limits = new ClassLimits[2];
            for (WorkClass c : WorkClass.values()) {
                int i = c.ordinal();
                int max = maxWorkers[i] != null ? maxWorkers[i] : c == WorkClass.BOUND ? 4 * cpus : limit.availableWorkers();
                require(max >= 1, c.tag() + " maxWorkers must be at least 1, was " + max);
                int conc = concurrency[i] != null ? concurrency[i] : Math.min(cpus, max);
                require(conc >= 1, c.tag() + " concurrency must be at least 1, was " + conc);
                require(queueCapacity[i] >= 1, c.tag() + " queueCapacity must be at least 1, was " + queueCapacity[i]);
                require(conc <= max, c.tag() + " concurrency must not exceed maxWorkers (" + max + "), was " + conc);
                limits[i] = new ClassLimits(max, conc, queueCapacity[i]);
            }
            return new IoWqConfig(new Values(limits, limit, idleTimeout, threadNamePrefix, threadFactory,
                    contextHook, listener, observeBlocking, blockingSamplePeriod, recordTimes));
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
