package io.iowq.sample;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The ledger's tables ({@code schema.sql}) over plain JDBC, the same SQL on H2 and PostgreSQL.
 * <p>
 * {@link #post(long)} is the read-modify-write that iowq keeps correct: it reads the balance, then
 * writes the new balance and the entry, with no row lock ({@code SELECT ... FOR UPDATE}) and no
 * optimistic version check. Two postings of one account running at once would both read the same
 * balance and one of them would be lost; {@code @Hashed} is what makes sure they never do.
 */
@Repository
public class LedgerRepository {

    private static final String ENTRY_COLUMNS =
            "id, account_id, amount, reference, status, posting_seq, balance_after, accepted_at, settled_at, failure";

    private final JdbcClient jdbc;
    private final TransactionTemplate writing;
    private final TransactionTemplate reading;
    private final Duration outboxLease;

    LedgerRepository(JdbcClient jdbc, PlatformTransactionManager transactions, LedgerProperties properties) {
        this.jdbc = jdbc;
        this.outboxLease = properties.outbox().lease();
        this.writing = new TransactionTemplate(transactions);
        this.reading = new TransactionTemplate(transactions);
        // the balance and the entries of one view come from one snapshot
        this.reading.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.reading.setReadOnly(true);
    }

    /** Records a new entry as {@link EntryStatus#PENDING} and returns it. */
    public Entry accept(String account, long amount, String reference) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        KeyHolder keys = new GeneratedKeyHolder();
        jdbc.sql("INSERT INTO entry (account_id, amount, reference, status, accepted_at) VALUES (?, ?, ?, 'PENDING', ?)")
                .params(account, amount, reference, now)
                .update(keys, "id");
        return new Entry(keys.getKeyAs(Number.class).longValue(), account, amount, reference, EntryStatus.PENDING,
                null, null, now.toInstant(), null, null);
    }

    /**
     * Withdraws an entry that was never handed over for posting (the pool refused it): deletes it
     * while it is still pending; returns whether it did.
     */
    public boolean withdraw(long entryId) {
        return jdbc.sql("DELETE FROM entry WHERE id = ? AND status = 'PENDING'").param(entryId).update() == 1;
    }

    /**
     * Posts a pending entry to its account: reads the balance (an account opens with its first
     * posting), writes the new balance and the entry's outbox row (its notification, delivered later),
     * then marks the entry posted with its place in the account's posting order. If the entry is no
     * longer pending when it is marked (an operator cancelled it while this ran), the whole posting is
     * rolled back. An entry whose amount would take the balance beyond a {@code long} is marked failed
     * instead, with the reason, and the balance is left alone. Returns the entry as it ends; an entry
     * that is no longer pending (posted already, cancelled, failed) is returned as it is, so posting
     * an entry again is harmless.
     * <p>
     * Correct only if no other posting of the same account runs at the same time.
     */
    public Entry post(long entryId) {
        return writing.execute(tx -> {
            Entry entry = entry(entryId).orElseThrow(() -> new IllegalArgumentException("no entry " + entryId));
            if (entry.status() != EntryStatus.PENDING) {
                return entry;
            }
            Optional<long[]> current = jdbc.sql("SELECT balance, postings FROM account WHERE id = ?")
                    .param(entry.account())
                    .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)})
                    .optional();
            long before = current.map(c -> c[0]).orElse(0L);
            long balance;
            try {
                balance = Math.addExact(before, entry.amount());
            } catch (ArithmeticException overflow) {
                fail(entryId, "the balance " + before + " plus " + entry.amount() + " is beyond the largest balance "
                        + "the ledger holds (" + (entry.amount() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) + ")");
                return entry(entryId).orElseThrow();
            }
            long sequence = current.map(c -> c[1]).orElse(0L) + 1;
            if (current.isPresent()) {
                jdbc.sql("UPDATE account SET balance = ?, postings = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?")
                        .params(balance, sequence, entry.account())
                        .update();
            } else {
                jdbc.sql("INSERT INTO account (id, balance, postings, updated_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)")
                        .params(entry.account(), balance, sequence)
                        .update();
            }
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
            jdbc.sql("INSERT INTO outbox (entry_id, due_at) VALUES (?, ?)")
                    .params(entryId, now.plus(outboxLease))
                    .update();
            int marked = jdbc.sql("UPDATE entry SET status = 'POSTED', posting_seq = ?, balance_after = ?, settled_at = ? "
                            + "WHERE id = ? AND status = 'PENDING'")
                    .params(sequence, balance, now, entryId)
                    .update();
            if (marked == 0) {
                tx.setRollbackOnly();
                return entry(entryId).orElseThrow();
            }
            return new Entry(entry.id(), entry.account(), entry.amount(), entry.reference(), EntryStatus.POSTED,
                    sequence, balance, entry.acceptedAt(), now.toInstant(), null);
        });
    }

    /** Marks a pending entry cancelled; returns whether it was still pending. */
    public boolean cancel(long entryId) {
        return settle(entryId, EntryStatus.CANCELLED, null);
    }

    /** Marks a pending entry failed; returns whether it was still pending. */
    public boolean fail(long entryId, String failure) {
        String text = failure == null || failure.length() <= 500 ? failure : failure.substring(0, 500);
        return settle(entryId, EntryStatus.FAILED, text);
    }

    private boolean settle(long entryId, EntryStatus status, String failure) {
        return jdbc.sql("UPDATE entry SET status = ?, failure = ?, settled_at = CURRENT_TIMESTAMP "
                        + "WHERE id = ? AND status = 'PENDING'")
                .params(status.name(), failure, entryId)
                .update() == 1;
    }

    /** The entry with this id. */
    public Optional<Entry> entry(long entryId) {
        return jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM entry WHERE id = ?")
                .param(entryId)
                .query(LedgerRepository::entry)
                .optional();
    }

    /** The account with its entries, posted ones first in posting order; empty if it has none. */
    public Optional<AccountView> account(String account) {
        return reading.execute(tx -> {
            List<Entry> entries = jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM entry WHERE account_id = ? "
                            + "ORDER BY posting_seq NULLS LAST, id")
                    .param(account)
                    .query(LedgerRepository::entry)
                    .list();
            if (entries.isEmpty()) {
                return Optional.empty();
            }
            long balance = jdbc.sql("SELECT balance FROM account WHERE id = ?")
                    .param(account)
                    .query(Long.class)
                    .optional()
                    .orElse(0L);
            return Optional.of(new AccountView(account, balance, entries));
        });
    }

    /**
     * The posted entries whose notification is not delivered yet and was due by {@code dueBy}, at most
     * {@code limit}, oldest first; each is leased (left alone) until {@code leasedUntil}.
     */
    public List<Entry> takeDueNotifications(OffsetDateTime dueBy, OffsetDateTime leasedUntil, int limit) {
        return writing.execute(tx -> {
            List<Entry> due = jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM entry WHERE id IN (SELECT entry_id FROM "
                            + "outbox WHERE due_at <= ?) ORDER BY id FETCH FIRST " + limit + " ROWS ONLY")
                    .param(dueBy)
                    .query(LedgerRepository::entry)
                    .list();
            for (Entry entry : due) {
                jdbc.sql("UPDATE outbox SET due_at = ? WHERE entry_id = ?").params(leasedUntil, entry.id()).update();
            }
            return due;
        });
    }

    /** Makes the outbox rows of these entries due now: the notifier did not take them. */
    public void releaseNotifications(List<Entry> entries, OffsetDateTime now) {
        for (Entry entry : entries) {
            jdbc.sql("UPDATE outbox SET due_at = ? WHERE entry_id = ?").params(now, entry.id()).update();
        }
    }

    /** Forgets the outbox row of an entry whose notification the partner has (or refused for good). */
    public void notified(long entryId) {
        jdbc.sql("DELETE FROM outbox WHERE entry_id = ?").param(entryId).update();
    }

    /** How many notifications are not delivered yet. */
    public long undelivered() {
        return jdbc.sql("SELECT COUNT(*) FROM outbox").query(Long.class).single();
    }

    /** How many entries are pending. */
    public long pendingCount() {
        return jdbc.sql("SELECT COUNT(*) FROM entry WHERE status = 'PENDING'").query(Long.class).single();
    }

    /** The entries still pending whose id is above {@code after}, at most {@code limit}, in acceptance order. */
    public List<Entry> pendingAfter(long after, int limit) {
        return jdbc.sql("SELECT " + ENTRY_COLUMNS + " FROM entry WHERE status = 'PENDING' AND id > ? ORDER BY id "
                        + "FETCH FIRST " + limit + " ROWS ONLY")
                .param(after)
                .query(LedgerRepository::entry)
                .list();
    }

    private static Entry entry(ResultSet rs, int row) throws SQLException {
        OffsetDateTime settled = rs.getObject("settled_at", OffsetDateTime.class);
        return new Entry(rs.getLong("id"), rs.getString("account_id"), rs.getLong("amount"), rs.getString("reference"),
                EntryStatus.valueOf(rs.getString("status")), rs.getObject("posting_seq", Long.class),
                rs.getObject("balance_after", Long.class),
                rs.getObject("accepted_at", OffsetDateTime.class).toInstant(),
                settled == null ? null : settled.toInstant(), rs.getString("failure"));
    }
}
