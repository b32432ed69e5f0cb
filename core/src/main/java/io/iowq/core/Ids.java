package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A pool's item ids, handed out in acceptance order; how many were handed out is also how many items
 * were accepted. Every submitter writes the counter, so it is kept alone on its cache line: the
 * pool's state beside it is read on every submission, and two submitters writing the same line as
 * other counters (a {@code LongAdder}'s cell they happen to share) made hand-off throughput bimodal.
 */
final class Ids {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** The counter's index: 64 bytes of the array on each side of it, so nothing else shares its line. */
    private static final int SLOT = 8;

    private final long[] slots = new long[2 * SLOT + 1];

    /** Takes {@code n} consecutive ids at once and returns the first (the pool's first id is 1). */
    long take(int n) {
        return (long) SLOTS.getAndAdd(slots, SLOT, (long) n) + 1;
    }

    /** How many ids were handed out. */
    long issued() {
        return (long) SLOTS.getVolatile(slots, SLOT);
    }
}
