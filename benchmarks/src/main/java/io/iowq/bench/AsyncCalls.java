package io.iowq.bench;

import io.iowq.spring.Hashed;
import io.iowq.spring.Unbounded;
import java.util.concurrent.CompletableFuture;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Async;

/**
 * The {@code @Async} methods the Spring-level scenario calls, as an application would write them.
 * Each counts its caller's batch down when it has run. {@code @Hashed} and {@code @Unbounded} mean
 * something only where iowq's starter is active; with Boot's executors they are ignored.
 */
public class AsyncCalls {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ObjectProvider<StripedExecutor> stripes;

    public AsyncCalls(ObjectProvider<StripedExecutor> stripes) {
        this.stripes = stripes;
    }

    /** Nothing but the hand-off. */
    @Async
    public CompletableFuture<Void> empty(SpringAsyncBenchmark.Caller caller) {
        caller.done();
        return DONE;
    }

    /** Calls of one key never run at once, and run in the order they were made. */
    @Async
    @Hashed("#key")
    public CompletableFuture<Void> hashed(Integer key, SpringAsyncBenchmark.Caller caller) {
        caller.done();
        return DONE;
    }

    /** A blocking call: sleeps 1 ms. On iowq it runs in the unbound class, as blocking work should. */
    @Async
    @Unbounded
    public CompletableFuture<Void> sleep(SpringAsyncBenchmark.Caller caller) throws InterruptedException {
        Thread.sleep(1);
        caller.done();
        return DONE;
    }

    /**
     * Keyed work without iowq, as it is written by hand: not {@code @Async}, but handed to the stripe
     * of the key (BookKeeper's {@code OrderedExecutor} design), so that calls of one key run in order.
     */
    public CompletableFuture<Void> striped(Integer key, SpringAsyncBenchmark.Caller caller) {
        StripedExecutor executor = stripes.getObject();
        return CompletableFuture.runAsync(caller::done, task -> executor.execute(key, task));
    }
}
