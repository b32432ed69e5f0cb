package io.iowq.spring;

import io.iowq.core.Work;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A {@link CompletableFuture} that follows a pool item and cancels it: it completes as the item ends
 * ({@link Work#whenDone}), and {@link #cancel(boolean)} cancels the item in its pool, removing it if
 * it is pending and interrupting it if it runs ({@code cancel(true)}) — which Spring's default
 * {@code submitCompletable} does not do. A failure reaches dependent stages ({@code whenComplete},
 * {@code handle}, {@code exceptionally}) as a {@link CompletionException} around the exception the
 * work threw, as with Spring's executors; {@code get()} throws an {@code ExecutionException} of it.
 *
 * @param <V> the result type
 */
public final class WorkCompletableFuture<V> extends CompletableFuture<V> {

    private final Work<V> work;

    private WorkCompletableFuture(Work<V> work) {
        this.work = work;
    }

    /** A future that follows {@code work} (submitted or not). */
    public static <V> WorkCompletableFuture<V> of(Work<V> work) {
        WorkCompletableFuture<V> future = new WorkCompletableFuture<>(Objects.requireNonNull(work, "work"));
        work.whenDone(future::follow);
        return future;
    }

    /** The pool item this future follows. */
    public Work<V> work() {
        return work;
    }

    /**
     * Cancels the item in its pool (see {@link Work#cancel(boolean)}) and, if that cancelled it, this
     * future. Returns whether this future is now cancelled.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (work.cancel(mayInterruptIfRunning)) {
            super.cancel(mayInterruptIfRunning);
        }
        return isCancelled();
    }

    /** Dependent stages are plain futures: cancelling them does not reach the pool. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    private void follow() {
        try {
            complete(work.get());
        } catch (CancellationException e) {
            super.cancel(false);
        } catch (ExecutionException e) {
            // As Spring's executors (CompletableFuture.supplyAsync): dependent stages see a
            // CompletionException around the failure; get() still throws ExecutionException of it.
            Throwable failure = e.getCause() != null ? e.getCause() : e;
            completeExceptionally(failure instanceof CompletionException ? failure : new CompletionException(failure));
        } catch (InterruptedException e) {
            // cannot happen: the item has ended
            Thread.currentThread().interrupt();
            completeExceptionally(e);
        }
    }

    @Override
    public String toString() {
        return super.toString() + "[" + work + "]";
    }
}
