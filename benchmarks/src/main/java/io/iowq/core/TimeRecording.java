package io.iowq.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmarks' view of what the engine does per item to record times ({@link CoarseClock}, which
 * is the engine's own and not public): a stamp at acceptance and one at start, and for the items in
 * the sample the clock read at the end. A thread advances the clock every millisecond, as a busy
 * pool's manager does.
 */
public final class TimeRecording implements AutoCloseable {

    private final CoarseClock clock = new CoarseClock();
    private final Thread ticker = new Thread(this::tick, "time-recording-ticker");
    private volatile boolean closed;
    private long id;

    public TimeRecording() {
        ticker.setDaemon(true);
        ticker.start();
    }

    /** One item's stamps, as the engine takes them; returns the time between them (to the end, for a timed item). */
    public long perItem() {
        long item = ++id;
        long accepted = clock.stamp(item, ticker);
        long started = clock.stamp(item, ticker);
        return CoarseClock.timed(item) ? System.nanoTime() - accepted : started - accepted;
    }

    private void tick() {
        for (long ticks = 0; !closed; ticks++) {
            clock.tick(ticks, true);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CoarseClock.TICK_MILLIS));
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
