package io.iowq.core;

/**
 * The wait of a thread that spins on another's few instructions (an item's end being published, a
 * worker's hand-off from the open queue): a busy-wait hint at first, then yielding, in case the other
 * thread was preempted inside them.
 */
final class Backoff {

    private static final int SPINS = 100;

    private Backoff() {
    }

    /** One pause of the {@code attempt}-th look (counted from 0). */
    static void pause(int attempt) {
        if (attempt < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }
}
