package io.iowq.sample;

import java.time.Instant;

/**
 * One entry of an account, as the API shows it.
 *
 * @param id           the entry's id, in acceptance order across all accounts
 * @param account      the account's id
 * @param amount       the signed amount, in minor units (cents)
 * @param reference    the client's reference, if it gave one
 * @param status       where the entry is in its life
 * @param sequence     its place in the account's posting order (1, 2, ...), once posted
 * @param balanceAfter the account's balance right after it was posted, once posted
 * @param acceptedAt   when it was accepted
 * @param settledAt    when it was posted, cancelled or failed
 * @param failure      why its posting failed, if it did
 */
public record Entry(long id, String account, long amount, String reference, EntryStatus status, Long sequence,
                    Long balanceAfter, Instant acceptedAt, Instant settledAt, String failure) {
}
