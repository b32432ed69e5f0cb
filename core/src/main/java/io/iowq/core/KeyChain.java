package io.iowq.core;

/**
 * The items of one busy key, oldest first: the seed's {@code hash_tail} chain with exact keys.
 * Guarded by its account's lock, but for the key, which is fixed. A chain is live from its first
 * item until it empties, and while live exactly one of these holds: its first item waits in the
 * account's run list ({@code owner == null}), or one worker owns it and runs its items one after
 * another. A dead chain is never used again: a submitter that finds one in the key map looks again.
 */
final class KeyChain {

    final Object key;
    /** The items behind the one in the run list or the one running. */
    final WorkList waiting = new WorkList();
    /** Its first item waits in the run list. */
    boolean queued;
    /** The worker running its items, or {@code null}. */
    Worker owner;
    /** Emptied: never used again. */
    boolean dead;

    KeyChain(Object key) {
        this.key = key;
    }
}
