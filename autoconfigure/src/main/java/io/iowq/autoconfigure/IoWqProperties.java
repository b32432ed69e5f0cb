package io.iowq.autoconfigure;

import io.iowq.core.IoWqConfig;
import io.iowq.core.ThreadLimit;
import io.iowq.core.WorkClass;
import java.time.Duration;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;

/**
 * The {@code iowq.*} properties. Limits are per work class, for the whole pool; a limit left unset
 * takes the engine's default, derived from the machine ({@link IoWqConfig}). Values are checked once
 * bound: a wrong one stops start-up with an {@link InvalidIoWqPropertyException}, which names the
 * property, the value and what is allowed.
 */
@ConfigurationProperties(prefix = IoWqProperties.PREFIX)
public class IoWqProperties implements InitializingBean {

    /** The prefix of iowq's properties. */
    public static final String PREFIX = "iowq";

    private static final Log logger = LogFactory.getLog(IoWqProperties.class);

    private static final String AT_LEAST_ONE = "an integer of at least 1";
    private static final String DURATION = "a duration of zero or more, such as 5s, 500ms or PT5S";

    /** The full name of the deprecated {@code iowq.nodes}. */
    static final String NODES = "iowq.nodes";

    /** Why {@code iowq.nodes} has no effect. */
    private static final String ONE_NODE = "iowq has one work queue per class for the whole machine, "
            + "as io-wq has since Linux 6.4";

    /** The full name of the long-running work report's threshold. */
    public static final String LONG_RUNNING_THRESHOLD = "iowq.long-running-threshold";

    /** What each property allows, by its full name. */
    private static final Map<String, String> ALLOWED = Map.ofEntries(
            Map.entry("iowq.enabled", "true or false"),
            Map.entry("iowq.bounded.max-workers", AT_LEAST_ONE),
            Map.entry("iowq.bounded.concurrency", AT_LEAST_ONE + ", at most iowq.bounded.max-workers"),
            Map.entry("iowq.unbounded.max-workers", AT_LEAST_ONE),
            Map.entry("iowq.unbounded.concurrency", AT_LEAST_ONE + ", at most iowq.unbounded.max-workers"),
            Map.entry("iowq.bounded.queue-capacity", AT_LEAST_ONE),
            Map.entry("iowq.unbounded.queue-capacity", AT_LEAST_ONE),
            Map.entry("iowq.idle-timeout", DURATION),
            Map.entry(NODES, AT_LEAST_ONE + " (it has no effect: " + ONE_NODE + ")"),
            Map.entry("iowq.observe-blocking", "true or false"),
            Map.entry("iowq.thread-limit", AT_LEAST_ONE),
            Map.entry("iowq.shutdown.await-termination", DURATION),
            Map.entry(LONG_RUNNING_THRESHOLD, "a positive duration, such as 30s, 500ms or PT30S"));

    /**
     * Whether iowq is the application task executor. When false, Spring Boot's own executor is used,
     * and start-up fails if any method is @Hashed or @Unbounded (nothing would honour them).
     */
    private boolean enabled = true;

    /** Bound work: work whose blocking is bounded (disk, short locks, CPU). */
    private final Limits bounded = new Limits();

    /** Unbound work (@Unbounded): work that may block without bound (network, remote calls). */
    private final Limits unbounded = new Limits();

    /** How long an idle worker waits for work before it exits. */
    private Duration idleTimeout = Duration.ofSeconds(5);

    /**
     * Deprecated, with no effect: iowq has one work queue per class for the whole machine. Remove
     * the property; a value is still checked (at least 1) and logged as having no effect.
     */
    private Integer nodes;

    /** Prefix of the worker thread names, followed by the class (b or u) and a serial number. */
    private String threadNamePrefix = "iowq-";

    /**
     * Whether the pool watches busy workers for blocking they do not announce (thread state and CPU
     * time, sampled only while work waits), so that it can grow while workers block.
     */
    private boolean observeBlocking = true;

    /**
     * Most threads that unbound workers count against. Default: the soft "Max processes" limit of
     * /proc/self/limits (RLIMIT_NPROC, which counts per user: every thread of the real user id, in
     * all its processes), else the cgroup's pids.max, else /proc/sys/kernel/threads-max, else 4096.
     */
    private Long threadLimit;

    /**
     * Work that runs longer than this is logged once, at WARN, with its worker's stack, and counted
     * (meter iowq.work.long.running). Off when unset.
     */
    private Duration longRunningThreshold;

    /** Shutdown when the application context closes. */
    private final Shutdown shutdown = new Shutdown();

    /** Whether iowq is the application task executor. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets whether iowq is the application task executor. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The limits of bound work. */
    public Limits getBounded() {
        return bounded;
    }

    /** The limits of unbound work. */
    public Limits getUnbounded() {
        return unbounded;
    }

    /** The limits of {@code workClass}. */
    public Limits limits(WorkClass workClass) {
        return workClass == WorkClass.BOUND ? bounded : unbounded;
    }

    /** How long an idle worker waits for work before it exits. */
    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    /** Sets how long an idle worker waits for work before it exits. */
    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /**
     * The number of nodes as set, or {@code null}; it has no effect.
     *
     * @deprecated iowq has one work queue per class for the whole machine; remove {@code iowq.nodes}
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    @DeprecatedConfigurationProperty(reason = ONE_NODE + "; the property has no effect", since = "0.1.0")
    public Integer getNodes() {
        return nodes;
    }

    /**
     * Sets the number of nodes, which has no effect.
     *
     * @deprecated iowq has one work queue per class for the whole machine; remove {@code iowq.nodes}
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public void setNodes(Integer nodes) {
        this.nodes = nodes;
    }

    /** Prefix of the worker thread names. */
    public String getThreadNamePrefix() {
        return threadNamePrefix;
    }

    /** Sets the prefix of the worker thread names. */
    public void setThreadNamePrefix(String threadNamePrefix) {
        this.threadNamePrefix = threadNamePrefix;
    }

    /** Whether the pool watches busy workers for blocking. */
    public boolean isObserveBlocking() {
        return observeBlocking;
    }

    /** Sets whether the pool watches busy workers for blocking. */
    public void setObserveBlocking(boolean observeBlocking) {
        this.observeBlocking = observeBlocking;
    }

    /** The thread limit, or {@code null} to read it from the system. */
    public Long getThreadLimit() {
        return threadLimit;
    }

    /** Sets the thread limit. */
    public void setThreadLimit(Long threadLimit) {
        this.threadLimit = threadLimit;
    }

    /** The long-running work report's threshold, or {@code null} when the report is off. */
    public Duration getLongRunningThreshold() {
        return longRunningThreshold;
    }

    /** Sets the long-running work report's threshold; {@code null} turns the report off. */
    public void setLongRunningThreshold(Duration longRunningThreshold) {
        this.longRunningThreshold = longRunningThreshold;
    }

    /** Shutdown settings. */
    public Shutdown getShutdown() {
        return shutdown;
    }

    /** Checks the bound values. */
    @Override
    public void afterPropertiesSet() {
        check(nodes == null || nodes >= 1, "nodes", nodes);
        for (WorkClass c : WorkClass.values()) {
            Limits l = limits(c);
            check(l.maxWorkers == null || l.maxWorkers >= 1, c.tag() + ".max-workers", l.maxWorkers);
            check(l.concurrency == null || l.concurrency >= 1, c.tag() + ".concurrency", l.concurrency);
            check(l.queueCapacity == null || l.queueCapacity >= 1, c.tag() + ".queue-capacity", l.queueCapacity);
        }
        check(idleTimeout != null && !idleTimeout.isNegative(), "idle-timeout", idleTimeout);
        check(idleTimeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) <= 0, PREFIX + ".idle-timeout", idleTimeout,
                "a duration of zero or more, up to 292 years");
        check(threadLimit == null || threadLimit >= 1, "thread-limit", threadLimit);
        check(longRunningThreshold == null || (!longRunningThreshold.isNegative() && !longRunningThreshold.isZero()),
                "long-running-threshold", longRunningThreshold);
        Duration await = shutdown.awaitTermination;
        check(await != null && !await.isNegative(), "shutdown.await-termination", await);
        if (threadNamePrefix == null) {
            threadNamePrefix = "";
        }
        for (WorkClass c : WorkClass.values()) {
            Integer concurrency = limits(c).concurrency;
            if (concurrency != null) {
                int max = effectiveMaxWorkers(c);
                check(concurrency <= max, PREFIX + "." + c.tag() + ".concurrency", concurrency,
                        "an integer from 1 to iowq." + c.tag() + ".max-workers (" + max
                                + (limits(c).maxWorkers == null ? " by default on this machine" : "") + ")");
            }
        }
    }

    /** The most workers of {@code workClass}: as set, else the engine's default for this machine. */
    private int effectiveMaxWorkers(WorkClass workClass) {
        Integer max = limits(workClass).maxWorkers;
        if (max != null) {
            return max;
        }
        IoWqConfig.Builder defaults = IoWqConfig.builder();
        if (threadLimit != null) {
            defaults.threadLimit(ThreadLimit.of(threadLimit));
        }
        return defaults.build().maxWorkers(workClass);
    }

    private static void check(boolean valid, String property, Object value) {
        String name = PREFIX + "." + property;
        check(valid, name, value, allowed(name));
    }

    private static void check(boolean valid, String name, Object value, String allowed) {
        if (!valid) {
            throw new InvalidIoWqPropertyException(name,
                    value instanceof Duration d ? simple(d) : value, allowed);
        }
    }

    /** {@code d} as it is usually written in properties: {@code -1s}, {@code 1500ms}. */
    private static String simple(Duration d) {
        if (d.getNano() == 0) {
            return d.getSeconds() + "s";
        }
        return d.getNano() % 1_000_000 == 0 ? d.toMillis() + "ms" : d.toNanos() + "ns";
    }

    /** What the property of this full name allows, or {@code null} if it is not an iowq property. */
    static String allowed(String name) {
        return ALLOWED.get(name);
    }

    /** Whether the property of this full name is deprecated, so that the way out is to remove it. */
    static boolean deprecated(String name) {
        return NODES.equals(name);
    }

    /**
     * Sets the values given on {@code builder}; what is unset keeps the engine's default.
     */
    public void applyTo(IoWqConfig.Builder builder) {
        if (nodes != null) {
            logger.warn(NODES + "=" + nodes + " has no effect and is deprecated: " + ONE_NODE + ". Remove it.");
        }
        for (WorkClass c : WorkClass.values()) {
            Limits l = limits(c);
            if (l.maxWorkers != null) {
                builder.maxWorkers(c, l.maxWorkers);
            }
            if (l.concurrency != null) {
                builder.concurrency(c, l.concurrency);
            }
            if (l.queueCapacity != null) {
                builder.queueCapacity(c, l.queueCapacity);
            }
        }
        builder.idleTimeout(idleTimeout).threadNamePrefix(threadNamePrefix).observeBlocking(observeBlocking);
        if (threadLimit != null) {
            builder.threadLimit(ThreadLimit.of(threadLimit));
        }
    }

    /** The limits of one work class, for the whole pool. */
    public static class Limits {

        /**
         * Most workers of this class (each class's own description is in
         * additional-spring-configuration-metadata.json).
         */
        private Integer maxWorkers;

        /**
         * Running (not blocked) workers of this class that the pool aims for (each class's own
         * description is in additional-spring-configuration-metadata.json).
         */
        private Integer concurrency;

        /**
         * Most items of this class that may wait, queued or behind their key (each class's own
         * description is in the additional metadata). Default: no bound.
         */
        private Integer queueCapacity;

        /** Most workers, or {@code null} for the default. */
        public Integer getMaxWorkers() {
            return maxWorkers;
        }

        /** Sets the most workers. */
        public void setMaxWorkers(Integer maxWorkers) {
            this.maxWorkers = maxWorkers;
        }

        /** Running workers aimed for, or {@code null} for the default. */
        public Integer getConcurrency() {
            return concurrency;
        }

        /** Sets the running workers aimed for. */
        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        /** Most items of this class that may wait; {@code null}: no bound. */
        public Integer getQueueCapacity() {
            return queueCapacity;
        }

        /** Sets the most items of this class that may wait. */
        public void setQueueCapacity(Integer queueCapacity) {
            this.queueCapacity = queueCapacity;
        }
    }

    /** Shutdown when the application context closes. */
    public static class Shutdown {

        /**
         * How long the workers may drain the queues when the application context closes; what has not
         * ended by then is cancelled (running work is interrupted) and logged by id, key and
         * description.
         */
        private Duration awaitTermination = Duration.ofSeconds(30);

        /** How long the workers may drain the queues at shutdown. */
        public Duration getAwaitTermination() {
            return awaitTermination;
        }

        /** Sets how long the workers may drain the queues at shutdown. */
        public void setAwaitTermination(Duration awaitTermination) {
            this.awaitTermination = awaitTermination;
        }
    }
}
