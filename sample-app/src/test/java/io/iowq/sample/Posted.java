package io.iowq.sample;

import java.util.Random;

/**
 * One entry as a test client posted it and the ledger accepted it ({@code 202}).
 *
 * @param client    the client that posted it
 * @param account   its account
 * @param reference {@code c<client>-<n>}: the client's n-th entry
 * @param amount    its amount
 */
record Posted(int client, String account, String reference, long amount) {

    /** Client {@code client}'s {@code n}-th entry, to {@code account}, of a non-zero amount drawn from {@code random}. */
    static Posted next(int client, int n, String account, Random random) {
        long amount = random.nextInt(15_000) - 5_000;
        return new Posted(client, account, "c" + client + "-" + n, amount == 0 ? 1 : amount);
    }
}
