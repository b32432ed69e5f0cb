package io.iowq.actuate;

import io.iowq.core.IoWqStats;
import io.iowq.spring.IoWqExecutor;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The health contributor {@code iowq}: {@code DOWN} when the pool cannot run work — it is shut down
 * or terminated (it refuses work), or it has no worker at all because none could be created —
 * else {@code UP}. Either way with the details {@code state}, {@code workers}, {@code pending} and
 * {@code rejected}, and {@code creationFailures} once a worker thread could not be created.
 */
public class IoWqHealthIndicator extends AbstractHealthIndicator {

    private final IoWqExecutor executor;

    /** The health of {@code executor}'s pool. */
    public IoWqHealthIndicator(IoWqExecutor executor) {
        super("iowq health check failed");
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        IoWqStats s = executor.stats();
        int workers = s.bounded().workers() + s.unbounded().workers();
        String state;
        if (executor.isTerminated()) {
            state = "terminated";
        } else if (executor.isShutdown()) {
            state = "shut down";
        } else if (workers == 0 && s.creationFailures() > 0) {
            state = "no worker could be created";
        } else {
            state = "running";
        }
        builder.status("running".equals(state) ? Status.UP : Status.DOWN)
                .withDetail("state", state)
                .withDetail("workers", workers)
                .withDetail("pending", s.pending())
                .withDetail("rejected", s.rejected());
        if (s.creationFailures() > 0) {
            builder.withDetail("creationFailures", s.creationFailures());
        }
    }
}
