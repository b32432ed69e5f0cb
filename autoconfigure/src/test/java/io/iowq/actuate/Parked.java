package io.iowq.actuate;

import java.util.concurrent.CountDownLatch;

/** A task body that waits until the test releases it, and records whether it saw an interrupt. */
final class Parked {

    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean interrupted;
    private volatile boolean ended;

    /** Waits for {@link #release()}; an interrupt ends the wait and is recorded. */
    void park() {
        started = true;
        try {
            release.await();
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            ended = true;
        }
    }

    void release() {
        release.countDown();
    }

    boolean started() {
        return started;
    }

    boolean interrupted() {
        return interrupted;
    }

    boolean ended() {
        return ended;
    }
}
