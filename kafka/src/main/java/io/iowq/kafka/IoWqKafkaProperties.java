package io.iowq.kafka;

import java.time.Duration;
import io.iowq.autoconfigure.InvalidIoWqPropertyException;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * iowq's Kafka listeners: {@code iowq.kafka.*}.
 */
@ConfigurationProperties("iowq.kafka")
public class IoWqKafkaProperties implements InitializingBean {

    /**
     * Most records of one partition in flight (taken from Kafka, offset not yet released for commit)
     * before the partition is paused; it resumes at half of it. A poll already under way may take up
     * to max.poll.records more.
     */
    private int maxInFlight = 1000;

    /**
     * How long a revoked partition's running records get to end before they are interrupted and left
     * to the partition's next owner. Keep it well below max.poll.interval.ms.
     */
    private Duration revokeTimeout = Duration.ofSeconds(10);

    /**
     * Whether records run as unbound work (the class for handlers that may block without bound, on
     * network or database calls: the pool grows while they block, up to iowq.unbounded.max-workers);
     * false runs them as bound work.
     */
    private boolean unbound = true;

    /**
     * Whether a record's handler is run as a blocking call (iowq's Blocking.run): while it runs its
     * worker counts as blocked, so the pool wakes or creates another worker for the next record
     * waiting, at once rather than when it observes the block (a sample later, which a handler that
     * waits a few milliseconds has often ended by). For handlers that wait on I/O; false for
     * handlers that compute, which then run on about as many workers as there are CPUs.
     */
    private boolean blocking = true;

    /**
     * The key records run under, a SpEL expression over #record (for example
     * "#record.value().account()"); by default the record's Kafka key, and the partition for records
     * without one.
     */
    private String key;

    public int getMaxInFlight() {
        return maxInFlight;
    }

    public void setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    public Duration getRevokeTimeout() {
        return revokeTimeout;
    }

    public void setRevokeTimeout(Duration revokeTimeout) {
        this.revokeTimeout = revokeTimeout;
    }

    public boolean isUnbound() {
        return unbound;
    }

    public void setUnbound(boolean unbound) {
        this.unbound = unbound;
    }

    public boolean isBlocking() {
        return blocking;
    }

    public void setBlocking(boolean blocking) {
        this.blocking = blocking;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    /** Refuses values out of range, naming the property (reported by iowq's failure analyzer). */
    @Override
    public void afterPropertiesSet() {
        if (maxInFlight < 1) {
            throw new InvalidIoWqPropertyException("iowq.kafka.max-in-flight", maxInFlight, "an integer of at least 1");
        }
        if (revokeTimeout == null || revokeTimeout.isNegative()) {
            throw new InvalidIoWqPropertyException("iowq.kafka.revoke-timeout", revokeTimeout,
                    "a duration of zero or more, such as 10s or 500ms");
        }
        if (key != null) {
            try {
                RecordKey.expression(key);
            } catch (IllegalArgumentException e) {
                throw new InvalidIoWqPropertyException("iowq.kafka.key", key,
                        "a SpEL expression over #record, such as #record.key() or #record.value().account()");
            }
        }
    }
}
