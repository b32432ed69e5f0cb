package io.iowq.core;

/** For tests that race threads at random moments: delays finer than parking allows. */
final class Races {

    private Races() {
    }

    /** Busy-waits {@code nanos}, to place a thread inside a window of a few instructions. */
    static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** Starts a thread named {@code name} that runs {@code body}. */
    static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        return t;
    }

    /** Starts a thread that calls {@code work.cancel(true)} after spinning {@code nanos}. */
    static Thread cancelAfter(long nanos, Work<?> work) {
        Thread t = new Thread(() -> {
            spin(nanos);
            work.cancel(true);
        });
        t.start();
        return t;
    }
}
