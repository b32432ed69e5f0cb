package io.iowq.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What an operator sees of one pending or running item.
 *
 * @param id          the item's id
 * @param key         its hash key's string form, or {@code null} for unhashed work
 * @param workClass   its class
 * @param description what it is ({@link Work#description()})
 * @param running     whether a worker runs it
 * @param worker      the worker's name while running, else {@code null}
 * @param blocked     whether its worker is counted blocked
 * @param millis      how long it has waited (pending) or run (running); -1 if the pool does not
 *                    {@linkplain IoWqConfig#recordTimes() record times}
 * @param stack       its worker's stack when asked for and running, else {@code null}
 */
public record WorkInfo(long id, String key, WorkClass workClass, String description, boolean running,
                       String worker, boolean blocked, long millis, StackTraceElement[] stack) {

    /** The {@code now} passed when the pool does not record times. */
    static final long NO_CLOCK = Long.MIN_VALUE;

    /** The items pending in {@code pool}, oldest first per account. */
    static List<WorkInfo> pendingIn(IoWq pool) {
        List<WorkInfo> list = new ArrayList<>();
        long now = now(pool);
        for (Account a : pool.accounts()) {
            List<Work<?>> queued = new ArrayList<>();
            a.locked(() -> a.pending(queued));
            queued.sort(Comparator.comparingLong(Work::id));
            for (Work<?> w : queued) {
                list.add(of(w, a, null, millisSince(w.acceptedNanos, now), null));
            }
        }
        return list;
    }

    /** The items running in {@code pool}, with their workers' stacks if {@code stacks}. */
    static List<WorkInfo> runningIn(IoWq pool, boolean stacks) {
        List<WorkInfo> list = new ArrayList<>();
        long now = now(pool);
        for (Account a : pool.accounts()) {
            List<Cancel.Running> busy = new ArrayList<>();
            a.locked(() -> a.workers.stream().filter(w -> w.current != null)
                    .forEach(w -> busy.add(new Cancel.Running(w, w.current))));
            for (Cancel.Running r : busy) {
                Thread t = r.worker().thread;
                list.add(of(r.work(), a, r.worker(), millisSince(r.work().startNanos, now),
                        stacks && t != null ? t.getStackTrace() : null));
            }
        }
        return list;
    }

    private static long now(IoWq pool) {
        return pool.recordTimes ? System.nanoTime() : NO_CLOCK;
    }

    private static long millisSince(long then, long now) {
        return now == NO_CLOCK ? -1 : then == 0 ? 0 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - then));
    }

    /** What an operator sees of {@code w}, queued in {@code a}; {@code runner} is its worker, {@code null} while pending. */
    private static WorkInfo of(Work<?> w, Account a, Worker runner, long millis, StackTraceElement[] stack) {
        boolean running = runner != null;
        return new WorkInfo(w.id(), w.isHashed() ? String.valueOf(w.key()) : null, w.workClass(), w.description(),
                running, running ? runner.name : null, running && runner.blocked, millis, stack);
    }
}
