package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The clock behind the times a pool records per item ({@link IoWqConfig#recordTimes()}), so that an
 * item costs a few volatile reads rather than clock reads, which cost as much as the rest of a
 * hand-off.
 * <p>
 * Every item is stamped, when it is accepted and when it starts, from a coarse clock that the
 * manager thread advances every {@value #TICK_MILLIS} ms while items are accepted or wait: enough for
 * the ages an operator reads of pending and running items. One item in {@value #SAMPLE} (by id) is
 * timed exactly instead, with the system clock at acceptance, start and end: those are the items
 * whose wait and run times the listener is told. While no item is accepted or waits for a tick the clock
 * stops; the next stamp then reads the system clock and starts it again, so a stamp is never older
 * than a tick, unless the manager thread is kept from running (a saturated machine), by as long.
 */
final class CoarseClock {

    /** One item in this many is timed exactly. */
    static final int SAMPLE = 16;
    static final long TICK_MILLIS = 1;
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    private static final VarHandle TICKING = Fields.of(MethodHandles.lookup(), "ticking", boolean.class);

    private volatile long now;
    /** The manager advances {@link #now}; when it is lowered, a reader reads the system clock. */
    private volatile boolean ticking;
    /** Items accepted by the last tick ({@link Events#ids}); written by the manager only. */
    private long idsAtLastTick;

    /** Whether the item with this id is timed exactly. */
    static boolean timed(long id) {
        return id % SAMPLE == 0;
    }

    /** The time to stamp the item {@code id} with: exact if it is timed, else the coarse clock's. */
    long stamp(long id, Thread ticker) {
        if (timed(id)) {
            return System.nanoTime();
        }
        return ticking ? now : restart(ticker);
    }

    private long restart(Thread ticker) {
        long t = System.nanoTime();
        now = t;
        if (ticker.isAlive() && TICKING.compareAndSet(this, false, true)) {
            LockSupport.unpark(ticker);
        }
        return t;
    }

    /**
     * The manager's tick: advances the clock, or stops it if nothing was accepted since the last
     * tick and no work waits (a start is stamped too). Whether it ticks on.
     */
    boolean tick(long ids, boolean workWaits) {
        if (!ticking) {
            return false;
        }
        if (ids == idsAtLastTick && !workWaits) {
            ticking = false;
            return false;
        }
        idsAtLastTick = ids;
        now = System.nanoTime();
        return true;
    }

    /** The manager thread ends: readers read the system clock from now on. */
    void stop() {
        ticking = false;
    }
}
