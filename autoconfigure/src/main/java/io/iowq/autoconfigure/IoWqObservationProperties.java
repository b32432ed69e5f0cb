package io.iowq.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code iowq.observations.*} properties: a Micrometer observation per item. */
@ConfigurationProperties(prefix = IoWqObservationProperties.PREFIX)
public class IoWqObservationProperties {

    /** The prefix of these properties. */
    public static final String PREFIX = "iowq.observations";

    /**
     * Whether each item is observed (observation iowq.work: a span per item, child of the
     * submitter's span, when tracing is on). Default: on when the application's ObservationRegistry
     * has a tracing handler (a TracingObservationHandler bean, as Spring Boot's tracing
     * auto-configuration defines), else off.
     */
    private Boolean enabled;

    /** Whether each item is observed, or {@code null} to follow the presence of tracing. */
    public Boolean getEnabled() {
        return enabled;
    }

    /** Sets whether each item is observed. */
    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }
}
