package io.iowq.sample;

/** Where an entry is in its life: accepted, then exactly one of posted, cancelled or failed. */
public enum EntryStatus {

    /** Accepted and handed to iowq; not posted yet. */
    PENDING,

    /** Applied to its account's balance. */
    POSTED,

    /** Cancelled before it was posted (by an operator through {@code /actuator/iowq}); the balance never saw it. */
    CANCELLED,

    /** Its posting failed; the balance never saw it. */
    FAILED
}
