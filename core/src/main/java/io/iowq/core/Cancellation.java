package io.iowq.core;

/**
 * What a cancellation did. For several items (a key, all) the result follows the seed's
 * {@code io_wq_cancel_cb}: {@code RUNNING} if any running item matched, else {@code OK} if any pending
 * item was cancelled, else {@code NOT_FOUND}.
 *
 * @param result  the combined result
 * @param pending pending items removed and completed as cancelled
 * @param running running items that matched (interrupted unless {@code NO_CANCEL})
 */
public record Cancellation(CancelResult result, int pending, int running) {

    static final Cancellation NONE = new Cancellation(CancelResult.NOT_FOUND, 0, 0);

    static Cancellation of(int pending, int running) {
        if (running > 0) {
            return new Cancellation(CancelResult.RUNNING, pending, running);
        }
        return pending > 0 ? new Cancellation(CancelResult.OK, pending, 0) : NONE;
    }
}
