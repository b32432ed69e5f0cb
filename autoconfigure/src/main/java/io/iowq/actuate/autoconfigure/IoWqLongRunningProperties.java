package io.iowq.actuate.autoconfigure;

import io.iowq.autoconfigure.InvalidIoWqPropertyException;
import java.time.Duration;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The operations property {@code iowq.long-running-threshold}, beside the pool's {@code iowq.*} properties. */
@ConfigurationProperties(prefix = "iowq")
public class IoWqLongRunningProperties implements InitializingBean {

    /** The property's full name. */
    public static final String PROPERTY = "iowq.long-running-threshold";

    /**
     * Work that runs longer than this is logged once, at WARN, with its worker's stack, and counted
     * (meter iowq.work.long.running). Off when unset.
     */
    private Duration longRunningThreshold;

    /** The threshold, or {@code null} when off. */
    public Duration getLongRunningThreshold() {
        return longRunningThreshold;
    }

    /** Sets the threshold; {@code null} turns the report off. */
    public void setLongRunningThreshold(Duration longRunningThreshold) {
        this.longRunningThreshold = longRunningThreshold;
    }

    /** Refuses a threshold of zero or less, naming the property (reported by iowq's failure analyzer). */
    @Override
    public void afterPropertiesSet() {
        if (longRunningThreshold != null && (longRunningThreshold.isNegative() || longRunningThreshold.isZero())) {
            throw new InvalidIoWqPropertyException(PROPERTY, longRunningThreshold,
                    "a positive duration, such as 30s, 500ms or PT30S");
        }
    }
}
