package io.iowq.core;

/** One node of the pool (the seed's {@code struct io_wqe}, one per NUMA node): its two accounts. */
final class Node {

    final int index;
    private final Account[] accounts = new Account[2];

    Node(IoWq pool, int index, IoWqConfig config) {
        this.index = index;
        for (WorkClass c : WorkClass.values()) {
            accounts[c.ordinal()] = new Account(pool, this, c, config);
        }
    }

    Account account(WorkClass workClass) {
        return accounts[workClass.ordinal()];
    }

    Account[] accounts() {
        return accounts;
    }
}
