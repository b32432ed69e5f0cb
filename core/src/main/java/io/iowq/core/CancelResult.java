package io.iowq.core;

/** Outcome of a cancellation: the seed's {@code enum io_wq_cancel}. */
public enum CancelResult {

    /** A pending item was found, removed and completed as cancelled. */
    OK,

    /** A running item was found; it was interrupted unless it is {@code NO_CANCEL}. */
    RUNNING,

    /** Nothing matched. */
    NOT_FOUND
}
