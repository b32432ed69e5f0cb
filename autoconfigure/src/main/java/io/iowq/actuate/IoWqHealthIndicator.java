package io.iowq.actuate;

import io.iowq.core.IoWqStats;
import io.iowq.spring.IoWqExecutor;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The health contributor {@code iowq}: {@code DOWN} when the pool cannot run work — it is shut down
 * or terminated (it refuses work), or it has no worker at all because none could be created —;
 * {@link #DEGRADED} while the system refuses new worker threads, so a class is held below its
 * {@code max-workers} (the details {@code workerLimit} name the class and the limit it has now); else
 * {@code UP}. Either way with the details {@code state}, {@code workers}, {@code pending} and
 * {@code rejected}, and {@code creationFailures} once a worker thread could not be created.
 */
public class IoWqHealthIndicator extends AbstractHealthIndicator {

    /**
     * The pool runs, but the system refused new worker threads lately, so a class may not grow as work
     * needs (a custom status: HTTP 200 by Spring Boot's default mapping, listed after DOWN and
     * OUT_OF_SERVICE where {@code management.endpoint.health.status.order} names it).
     */
    public static final Status DEGRADED = new Status("DEGRADED", "the system refuses new worker threads");

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
        } else if (s.bounded().creationLimited() || s.unbounded().creationLimited()) {
            state = "creation limited";
        } else {
            state = "running";
        }
        builder.status("running".equals(state) ? Status.UP : "creation limited".equals(state) ? DEGRADED : Status.DOWN)
                .withDetail("state", state)
                .withDetail("workers", workers)
                .withDetail("pending", s.pending())
                .withDetail("rejected", s.rejected());
        if (s.creationFailures() > 0) {
            builder.withDetail("creationFailures", s.creationFailures());
        }
        for (IoWqStats.ClassStats c : new IoWqStats.ClassStats[] {s.bounded(), s.unbounded()}) {
            if (c.creationLimited()) {
                builder.withDetail("workerLimit." + (c == s.bounded() ? "bounded" : "unbounded"),
                        c.workerLimit() + " of max-workers " + c.maxWorkers());
            }
        }
    }
}
