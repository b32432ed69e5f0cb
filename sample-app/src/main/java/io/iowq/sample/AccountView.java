package io.iowq.sample;

import java.util.List;

/**
 * An account as {@code GET /accounts/{id}} shows it: its balance and its entries, the posted ones
 * first in posting order, then the others in acceptance order.
 *
 * @param account the account's id
 * @param balance the sum of its posted entries, in minor units
 * @param entries its entries
 */
public record AccountView(String account, long balance, List<Entry> entries) {

    /** How many of its entries have {@code status}. */
    public long count(EntryStatus status) {
        return entries.stream().filter(e -> e.status() == status).count();
    }
}
