package io.iowq.core;

import java.util.concurrent.atomic.AtomicInteger;

/** Items that count their runs: for tests that check what did and did not run. */
final class Runs {

    private final AtomicInteger runs = new AtomicInteger();

    /** A new item that counts its run. */
    Work<Object> item() {
        return Work.of(runs::incrementAndGet);
    }

    /** How many of the items ran. */
    int count() {
        return runs.get();
    }
}
