package io.iowq.core;

import java.util.ArrayDeque;

/**
 * The items of one busy key that wait behind its runnable head: the seed's {@code hash_tail} chain,
 * with exact keys. Guarded by its account's lock. A chain exists exactly while its key is active:
 * either its head is in the run queue ({@code owner == null}) or a worker owns it and runs its items
 * one after another ({@code owner != null}); it is dropped when it empties.
 */
final class KeyChain {

    final Object key;
    final ArrayDeque<Work<?>> waiting = new ArrayDeque<>(2);
    Worker owner;

    KeyChain(Object key) {
        this.key = key;
    }
}
