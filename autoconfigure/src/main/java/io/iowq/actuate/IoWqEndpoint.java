package io.iowq.actuate;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.iowq.core.CancelResult;
import io.iowq.core.Cancellation;
import io.iowq.core.IoWqStats;
import io.iowq.core.ThreadLimit;
import io.iowq.core.WorkClass;
import io.iowq.core.WorkInfo;
import io.iowq.spring.IoWqExecutor;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.Selector.Match;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The Actuator endpoint {@code iowq}: the pool's figures, its pending and running work, cancellation
 * (the seed's {@code io_wq_cancel_cb} and {@code io_wq_cancel_all}) and run-time resizing (the later
 * kernels' {@code IORING_REGISTER_IOWQ_MAX_WORKERS}). Over HTTP:
 * <ul>
 * <li>{@code GET /actuator/iowq}: {@link #stats()}</li>
 * <li>{@code GET /actuator/iowq/work[?limit=n][&stack=true]}: {@link #work(String, Boolean, Integer)}</li>
 * <li>{@code DELETE /actuator/iowq/work/{id}} and {@code DELETE /actuator/iowq/keys/{key}}:
 *     {@link #cancel(String, String[])}</li>
 * <li>{@code DELETE /actuator/iowq}: {@link #cancelAll()}</li>
 * <li>{@code POST /actuator/iowq} with {@code {"boundedMaxWorkers":n}} and/or
 *     {@code {"unboundedMaxWorkers":n}}: {@link #resize(Integer, Integer)}</li>
 * </ul>
 * Reads and writes follow Spring Boot's access model ({@code management.endpoint.iowq.access}).
 * Malformed input throws {@link InvalidEndpointRequestException} and changes nothing (HTTP 400, with
 * {@link IoWqEndpointRequestAdvisor} putting the reason in the body); a cancel that finds nothing
 * answers {@code NOT_FOUND}.
 */
@Endpoint(id = IoWqEndpoint.ID)
public class IoWqEndpoint {

    /** The endpoint id. */
    public static final String ID = "iowq";

    /** How many items of each list {@code GET /actuator/iowq/work} shows when no {@code limit} is given. */
    public static final int DEFAULT_LIMIT = 100;

    /** The largest {@code limit} of {@code GET /actuator/iowq/work}. */
    public static final int MAX_LIMIT = 10_000;

    private static final String WORK = "work";
    private static final String KEYS = "keys";

    private final IoWqExecutor executor;

    /** An endpoint over {@code executor}. */
    public IoWqEndpoint(IoWqExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** The pool's figures: {@code GET /actuator/iowq}. */
    @ReadOperation
    public StatsDescriptor stats() {
        return StatsDescriptor.of(executor.stats());
    }

    /**
     * The pending and running work, a page of it: {@code GET /actuator/iowq/work}. Each list holds at
     * most {@code limit} items ({@value #DEFAULT_LIMIT} by default, at most {@value #MAX_LIMIT}), the
     * first the pool lists; {@code pendingTotal} and {@code runningTotal} count them all. With
     * {@code stack=true} each running item shown also shows the top frames of its worker's stack.
     * Any other section is not found.
     *
     * @throws InvalidEndpointRequestException if {@code limit} is below 1 or above {@value #MAX_LIMIT}
     */
    @ReadOperation
    public @Nullable WorkDescriptor work(@Selector String section, @Nullable Boolean stack, @Nullable Integer limit) {
        if (!WORK.equals(section)) {
            return null;
        }
        if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
            throw badRequest("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
        int shown = limit != null ? limit : DEFAULT_LIMIT;
        boolean stacks = Boolean.TRUE.equals(stack);
        List<WorkInfo> pending = executor.pendingWork();
        List<WorkInfo> running = executor.runningWork(stacks);
        return new WorkDescriptor(
                pending.stream().limit(shown).map(PendingWork::of).toList(), pending.size(),
                running.stream().limit(shown).map(w -> RunningWork.of(w, stacks)).toList(), running.size());
    }

    /**
     * Cancels one item, {@code DELETE /actuator/iowq/work/{id}}, answering {@code OK} (it was
     * pending), {@code RUNNING} (it was interrupted) or {@code NOT_FOUND}; or every item of a key,
     * {@code DELETE /actuator/iowq/keys/{key}}, where {@code key} is the key's string form as the
     * work list shows it (it may contain {@code /}).
     *
     * @throws InvalidEndpointRequestException if the id is not a number or the collection is neither
     *                                         {@code work} nor {@code keys}
     */
    @DeleteOperation
    public OperationResponseBody cancel(@Selector String collection,
                                        @Selector(match = Match.ALL_REMAINING) String[] target) {
        String value = String.join("/", target);
        if (WORK.equals(collection)) {
            return new CancelDescriptor(executor.cancel(parseId(value)));
        }
        if (KEYS.equals(collection)) {
            if (value.isEmpty()) {
                throw badRequest("a key must not be empty");
            }
            Cancellation c = executor.cancelKey(value);
            return new KeyCancelDescriptor(c.result(), c.pending(), c.running());
        }
        throw badRequest("cannot cancel '" + collection + "': use work/{id} or keys/{key}");
    }

    /** Cancels every pending and running item: {@code DELETE /actuator/iowq}. */
    @DeleteOperation
    public CancelAllDescriptor cancelAll() {
        Cancellation c = executor.cancelAll();
        return new CancelAllDescriptor(c.pending(), c.running());
    }

    /**
     * Changes the most workers of either class or both at run time, and answers the new figures:
     * {@code POST /actuator/iowq} with {@code {"boundedMaxWorkers":n}} and/or
     * {@code {"unboundedMaxWorkers":n}}. Both values are checked before either is applied.
     *
     * A size is for the whole pool, as {@code iowq.*.max-workers} is, and may not exceed the thread
     * limit the pool counts against ({@link io.iowq.core.ThreadLimit}): a process cannot have more
     * threads than that.
     *
     * @throws InvalidEndpointRequestException if neither is given, or one is below 1 or would take the
     *                                         class above the thread limit (the message says the limit
     *                                         and the most that may be asked)
     */
    @WriteOperation
    public StatsDescriptor resize(@Nullable Integer boundedMaxWorkers, @Nullable Integer unboundedMaxWorkers) {
        if (boundedMaxWorkers == null && unboundedMaxWorkers == null) {
            throw badRequest("give boundedMaxWorkers and/or unboundedMaxWorkers, each an integer of at least 1");
        }
        checkSize("boundedMaxWorkers", boundedMaxWorkers);
        checkSize("unboundedMaxWorkers", unboundedMaxWorkers);
        if (boundedMaxWorkers != null) {
            executor.setMaxWorkers(WorkClass.BOUND, boundedMaxWorkers);
        }
        if (unboundedMaxWorkers != null) {
            executor.setMaxWorkers(WorkClass.UNBOUND, unboundedMaxWorkers);
        }
        return stats();
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw badRequest("a work id must be a number, was '" + id + "'");
        }
    }

    private void checkSize(String name, @Nullable Integer value) {
        if (value == null) {
            return;
        }
        if (value < 1) {
            throw badRequest(name + " must be at least 1, was " + value);
        }
        ThreadLimit limit = executor.ioWq().config().threadLimit();
        if (value > limit.limit()) {
            throw badRequest(name + " " + value + " is above the thread limit of " + limit.limit() + " (from "
                    + limit.source() + ")");
        }
    }

    private static InvalidEndpointRequestException badRequest(String reason) {
        return new InvalidEndpointRequestException(reason, reason);
    }

    /**
     * {@code GET /actuator/iowq}: the pool's figures.
     *
     * @param nodes      always 1, kept for the answer's pinned shape: the pool has one work queue per
     *                   class
     * @param bounded    the bound class
     * @param unbounded  the unbound class
     * @param pending    items queued or waiting behind their key
     * @param activeKeys keys with work queued or running
     * @param submitted  items accepted
     * @param completed  items that returned normally
     * @param failed     items that threw
     * @param cancelled  items cancelled
     * @param rejected   items refused at submission
     */
    public record StatsDescriptor(int nodes, ClassDescriptor bounded, ClassDescriptor unbounded, long pending,
                                  long activeKeys, long submitted, long completed, long failed, long cancelled,
                                  long rejected) implements OperationResponseBody {

        static StatsDescriptor of(IoWqStats s) {
            return new StatsDescriptor(1, ClassDescriptor.of(s.bounded()), ClassDescriptor.of(s.unbounded()),
                    s.pending(), s.activeKeys(), s.submitted(), s.completed(), s.failed(), s.cancelled(),
                    s.rejected());
        }
    }

    /**
     * One class's figures.
     *
     * @param maxWorkers  most workers
     * @param concurrency running workers aimed for
     * @param workers     live workers
     * @param running     workers in work and not blocked
     * @param idle        workers waiting for work
     * @param blocked     workers in work and blocked
     */
    public record ClassDescriptor(int maxWorkers, int concurrency, int workers, int running, int idle, int blocked) {

        static ClassDescriptor of(IoWqStats.ClassStats s) {
            return new ClassDescriptor(s.maxWorkers(), s.concurrency(), s.workers(), s.running(), s.idle(),
                    s.blocked());
        }
    }

    /**
     * {@code GET /actuator/iowq/work}: a page of each list, and the size of each.
     *
     * @param pending      the first items waiting to run, at most the limit
     * @param pendingTotal how many items wait to run
     * @param running      the first items running now, at most the limit
     * @param runningTotal how many items run
     */
    public record WorkDescriptor(List<PendingWork> pending, long pendingTotal, List<RunningWork> running,
                                 long runningTotal) implements OperationResponseBody {
    }

    /**
     * A pending item.
     *
     * @param id           its id, for {@code DELETE /actuator/iowq/work/{id}}
     * @param key          its key's string form, {@code null} for unhashed work
     * @param bound        whether it is bound work (else unbound)
     * @param description  {@code SimpleClassName.method} for {@code @Async} methods, else the task's
     *                     {@code toString()}
     * @param queuedMillis how long it has waited
     */
    public record PendingWork(long id, @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String key, boolean bound,
                              String description, long queuedMillis) {

        static PendingWork of(WorkInfo w) {
            return new PendingWork(w.id(), w.key(), w.workClass() == WorkClass.BOUND, w.description(), w.millis());
        }
    }

    /**
     * A running item.
     *
     * @param id            its id, for {@code DELETE /actuator/iowq/work/{id}}
     * @param key           its key's string form, {@code null} for unhashed work
     * @param bound         whether it is bound work (else unbound)
     * @param description   {@code SimpleClassName.method} for {@code @Async} methods, else the task's
     *                      {@code toString()}
     * @param worker        the name of the worker thread that runs it
     * @param runningMillis how long it has run
     * @param stack         the top frames of its worker's stack, only when asked for
     */
    public record RunningWork(long id, @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String key, boolean bound,
                              String description, String worker, long runningMillis,
                              @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<String> stack) {

        static RunningWork of(WorkInfo w, boolean stacks) {
            return new RunningWork(w.id(), w.key(), w.workClass() == WorkClass.BOUND, w.description(), w.worker(),
                    w.millis(), stacks ? StackFrames.top(w.stack()) : null);
        }
    }

    /**
     * {@code DELETE /actuator/iowq/work/{id}}.
     *
     * @param result {@code OK} (was pending, now cancelled), {@code RUNNING} (interrupted) or
     *               {@code NOT_FOUND}
     */
    public record CancelDescriptor(CancelResult result) implements OperationResponseBody {
    }

    /**
     * {@code DELETE /actuator/iowq/keys/{key}}.
     *
     * @param result  {@code RUNNING} if a running item was interrupted, else {@code OK} if a pending
     *                item was cancelled, else {@code NOT_FOUND}
     * @param pending pending items cancelled
     * @param running running items interrupted
     */
    public record KeyCancelDescriptor(CancelResult result, int pending, int running) implements OperationResponseBody {
    }

    /**
     * {@code DELETE /actuator/iowq}.
     *
     * @param pending pending items cancelled
     * @param running running items interrupted
     */
    public record CancelAllDescriptor(int pending, int running) implements OperationResponseBody {
    }
}
