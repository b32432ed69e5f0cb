package io.iowq.autoconfigure;

import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;

/**
 * Spring Boot's settings for its own executor, as iowq reads them. Those with a meaning for iowq
 * apply where iowq's own property is unset: {@code spring.task.execution.pool.max-size} as
 * {@code iowq.bounded.max-workers}, {@code pool.keep-alive} as {@code iowq.idle-timeout},
 * {@code thread-name-prefix} as {@code iowq.thread-name-prefix}, and
 * {@code shutdown.await-termination-period} (with {@code shutdown.await-termination=true}) as
 * {@code iowq.shutdown.await-termination}; each is logged at INFO. The others have no effect, and one
 * WARN at start-up names each with the reason. {@code spring.threads.virtual.enabled=true} (on Java
 * 21+, as Spring Boot reads it) makes iowq's workers virtual threads, as it makes Spring Boot's own
 * executor's, with one INFO line.
 */
final class BootExecutorSettings {

    private static final Log logger = LogFactory.getLog(BootExecutorSettings.class);

    private static final String PREFIX = "spring.task.execution.";
    private static final String MAX_SIZE = PREFIX + "pool.max-size";
    private static final String QUEUE_CAPACITY = PREFIX + "pool.queue-capacity";
    private static final String KEEP_ALIVE = PREFIX + "pool.keep-alive";
    private static final String THREAD_NAME_PREFIX = PREFIX + "thread-name-prefix";
    private static final String AWAIT = PREFIX + "shutdown.await-termination";
    private static final String AWAIT_PERIOD = PREFIX + "shutdown.await-termination-period";
    private static final String VIRTUAL = "spring.threads.virtual.enabled";

    /** The settings without a meaning for iowq, each with the reason. */
    private static final Map<String, String> NO_MEANING = noMeaning();

    private final Binder binder;
    private final List<String> applied = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();
    private Integer maxWorkers;
    private Integer queueCapacity;
    private Duration idleTimeout;
    private String threadNamePrefix;
    private Duration awaitTermination;
    private boolean virtualThreads;

    private BootExecutorSettings(Binder binder) {
        this.binder = binder;
    }

    private static Map<String, String> noMeaning() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(PREFIX + "pool.core-size", "iowq creates workers as work needs them and keeps one bound worker in the pool; "
                + "how many run at once is iowq.bounded.concurrency");
        m.put(PREFIX + "pool.allow-core-thread-timeout", "every idle iowq worker exits after iowq.idle-timeout, but "
                + "the last bound worker of the pool");
        m.put(PREFIX + "pool.shutdown.accept-tasks-after-context-close", "while iowq drains it accepts work only "
                + "from its own running work");
        m.put(PREFIX + "simple.concurrency-limit", "it is for Spring Boot's SimpleAsyncTaskExecutor; how many run at "
                + "once is iowq.bounded.concurrency");
        m.put(PREFIX + "simple.reject-tasks-when-limit-reached", "it is for Spring Boot's SimpleAsyncTaskExecutor");
        m.put(PREFIX + "simple.cancel-remaining-tasks-on-close", "iowq cancels what is left after "
                + "iowq.shutdown.await-termination");
        return m;
    }

    /**
     * Reads the settings from {@code environment}, beside iowq's {@code properties}.
     *
     * @throws InvalidIoWqPropertyException if {@code pool.max-size} applies and is below
     *                                      {@code iowq.bounded.concurrency}, or below 1
     */
    static BootExecutorSettings read(Environment environment, IoWqProperties properties) {
        BootExecutorSettings s = new BootExecutorSettings(Binder.get(environment));
        s.maxWorkers = s.map(MAX_SIZE, "iowq.bounded.max-workers", Integer.class);
        if (s.maxWorkers != null) {
            Integer concurrency = properties.getBounded().getConcurrency();
            int least = concurrency != null ? concurrency : 1;
            if (s.maxWorkers < least) {
                throw new InvalidIoWqPropertyException(MAX_SIZE, s.maxWorkers, "an integer of at least "
                        + (concurrency != null ? "iowq.bounded.concurrency (" + concurrency + ")" : "1")
                        + ", since it applies as iowq.bounded.max-workers");
            }
        }
        s.queueCapacity = s.map(QUEUE_CAPACITY, "iowq.bounded.queue-capacity", Integer.class);
        if (s.queueCapacity != null && s.queueCapacity < 1) {
            throw new InvalidIoWqPropertyException(QUEUE_CAPACITY, s.queueCapacity,
                    "an integer of at least 1, since it applies as iowq.bounded.queue-capacity");
        }
        s.idleTimeout = s.map(KEEP_ALIVE, "iowq.idle-timeout", Duration.class);
        if (s.idleTimeout != null && s.idleTimeout.isNegative()) {
            throw new InvalidIoWqPropertyException(KEEP_ALIVE, s.idleTimeout,
                    "a duration of zero or more, since it applies as iowq.idle-timeout");
        }
        s.threadNamePrefix = s.map(THREAD_NAME_PREFIX, "iowq.thread-name-prefix", String.class);
        s.virtualThreads = Threading.VIRTUAL.isActive(environment);
        boolean await = s.binder.bind(AWAIT, Boolean.class).orElse(false);
        if (await) {
            s.awaitTermination = s.map(AWAIT_PERIOD, "iowq.shutdown.await-termination", Duration.class);
        } else if (s.isSet(AWAIT) || s.isSet(AWAIT_PERIOD)) {
            s.ignored.add(AWAIT + (s.isSet(AWAIT_PERIOD) ? "-period" : "") + " has no effect: iowq drains for "
                    + "iowq.shutdown.await-termination (" + properties.getShutdown().getAwaitTermination() + ")");
        }
        NO_MEANING.forEach((name, why) -> {
            if (s.isSet(name)) {
                s.ignored.add(name + " has no effect: " + why);
            }
        });
        return s;
    }

    /** The value of {@code spring} if it is set and {@code iowq} is not; else {@code null}. */
    private <T> T map(String spring, String iowq, Class<T> type) {
        if (!isSet(spring)) {
            return null;
        }
        if (isSet(iowq)) {
            ignored.add(spring + " has no effect: " + iowq + " is set");
            return null;
        }
        T value = binder.bind(spring, type).get();
        applied.add(spring + "=" + binder.bind(spring, String.class).get() + " as " + iowq);
        return value;
    }

    private boolean isSet(String name) {
        return binder.bind(name, String.class).isBound();
    }

    /** Sets what applies on {@code builder}, after iowq's own properties. */
    void applyTo(IoWqConfig.Builder builder) {
        if (maxWorkers != null) {
            builder.maxWorkers(WorkClass.BOUND, maxWorkers);
        }
        if (queueCapacity != null) {
            builder.queueCapacity(WorkClass.BOUND, queueCapacity);
        }
        if (idleTimeout != null) {
            builder.idleTimeout(idleTimeout);
        }
        if (threadNamePrefix != null) {
            builder.threadNamePrefix(threadNamePrefix);
        }
        if (virtualThreads) {
            // the pool names each worker; the factory's own names are replaced
            builder.threadFactory(new VirtualThreadTaskExecutor(IoWqConfig.DEFAULT_THREAD_NAME_PREFIX)
                    .getVirtualThreadFactory());
        }
    }

    /** How long shutdown drains: Spring Boot's period if it applies, else {@code iowq}. */
    Duration awaitTermination(Duration iowq) {
        return awaitTermination != null ? awaitTermination : iowq;
    }

    /** Logs what applies (INFO), what has no effect (one WARN), and iowq's answer to virtual threads (INFO). */
    void log() {
        String nl = System.lineSeparator() + "  ";
        if (!applied.isEmpty()) {
            logger.info("iowq applies Spring Boot executor settings: " + String.join(", ", applied));
        }
        if (!ignored.isEmpty()) {
            logger.warn("iowq is the application task executor; these Spring Boot executor settings are bound but "
                    + "not used (see iowq's docs/migration.md):" + nl + String.join(nl, ignored));
        }
        if (virtualThreads) {
            logger.info(VIRTUAL + "=true: iowq's workers are virtual threads; the pool still counts and caps them "
                    + "(iowq.*.concurrency, iowq.*.max-workers), and sees a worker blocked by its thread state");
        } else if (binder.bind(VIRTUAL, Boolean.class).orElse(false)) {
            logger.info(VIRTUAL + "=true has no effect before Java 21: iowq's workers are platform threads");
        }
    }
}
