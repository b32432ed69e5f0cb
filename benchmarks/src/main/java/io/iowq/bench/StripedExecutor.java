package io.iowq.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Keyed work as BookKeeper's {@code OrderedExecutor} and Hazelcast's {@code StripedExecutor} run it:
 * N single-thread executors, the one for a key chosen by its hash. Items of one key run in order,
 * and so does everything that hashes to the same stripe: a slow key holds up its stripe-mates.
 */
final class StripedExecutor implements AutoCloseable {

    private final ExecutorService[] stripes;

    StripedExecutor(int stripes, ThreadFactory threads) {
        this.stripes = new ExecutorService[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        }
    }

    /** BookKeeper's {@code chooseThread}: the sign-safe remainder of the key's hash. */
    void execute(Object key, Runnable task) {
        stripes[Math.floorMod(key.hashCode(), stripes.length)].execute(task);
    }

    @Override
    public void close() {
        for (ExecutorService s : stripes) {
            Peer.close(s);
        }
    }
}
