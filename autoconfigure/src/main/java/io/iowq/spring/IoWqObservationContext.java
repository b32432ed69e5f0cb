package io.iowq.spring;

import io.iowq.core.Work;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an {@code iowq.work} observation knows of its item: the item itself (key, class, id,
 * description, state) and, for an {@code @Async} call, the method it stands for.
 * {@link IoWqObservationConvention}s read it.
 */
public class IoWqObservationContext extends Observation.Context {

    /** Outcome of an item that has not ended yet. */
    public static final String UNKNOWN = "unknown";

    private final Work<?> work;
    private final @Nullable String asyncMethod;
    private volatile boolean rejected;

    /** A context for {@code work}; {@code asyncMethod} is {@code SimpleClassName.method} of an {@code @Async} call, else {@code null}. */
    public IoWqObservationContext(Work<?> work, @Nullable String asyncMethod) {
        this.work = work;
        this.asyncMethod = asyncMethod;
    }

    /** The item observed (its id is 0 until the pool has accepted it). */
    public Work<?> getWork() {
        return work;
    }

    /** {@code SimpleClassName.method} if the item is an {@code @Async} call, else {@code null}. */
    public @Nullable String getAsyncMethod() {
        return asyncMethod;
    }

    /** Whether the pool refused the item. */
    public boolean isRejected() {
        return rejected;
    }

    void rejected() {
        rejected = true;
    }

    /**
     * How the item ended, as the {@code iowq.work} counter names it: {@code completed}, {@code failed},
     * {@code cancelled} or {@code rejected}; {@value #UNKNOWN} while it has not ended.
     */
    public String getOutcome() {
        if (rejected) {
            return "rejected";
        }
        return switch (work.state()) {
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            case CANCELLED -> "cancelled";
            default -> UNKNOWN;
        };
    }
}
