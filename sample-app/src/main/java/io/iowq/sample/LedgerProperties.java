package io.iowq.sample;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The sample's own settings, under {@code ledger.*}.
 *
 * @param postingDelay an extra wait in each posting before it writes, none by default: set it (say
 *                     {@code 2s}) to watch an account's postings queue up in {@code /actuator/iowq}
 *                     and cancel them there, as the README's walkthrough does
 * @param retryAfter   what a {@code 503} answer's {@code Retry-After} tells the client to wait when the
 *                     ledger takes no entry now (the pool is full or stopping, or the entries of the
 *                     last run are being resumed)
 * @param database     how a posting retries the database while it fails on the way
 * @param partner      the partner that is told of each posting
 * @param outbox       how notifications not yet delivered are tried again
 */
@ConfigurationProperties("ledger")
public record LedgerProperties(@DefaultValue("0s") Duration postingDelay, @DefaultValue("1s") Duration retryAfter,
                               @DefaultValue Database database, @DefaultValue Partner partner,
                               @DefaultValue Outbox outbox) {

    /**
     * The database retries of a posting: a transient failure (no connection, a lost connection, a
     * deadlock, a timeout) is retried inside the posting, with back-off, for as long as it lasts.
     *
     * @param initialBackoff the pause after the first failed try; each next pause doubles
     * @param maxBackoff     the longest pause
     */
    public record Database(@DefaultValue("100ms") Duration initialBackoff, @DefaultValue("5s") Duration maxBackoff) {
    }

    /**
     * The partner.
     *
     * @param url      where notifications are posted; by default this application's own stand-in
     *                 partner ({@code /partner/notifications})
     * @param delay    how late the stand-in partner answers each notification
     * @param attempts how many times a notification is tried in a row before it is left to the outbox
     * @param backoff  the pause after a failed try, times the number of tries so far
     */
    public record Partner(URI url, @DefaultValue("300ms") Duration delay, @DefaultValue("4") int attempts,
                          @DefaultValue("250ms") Duration backoff) {
    }

    /**
     * The outbox: a row per posted entry whose notification is not delivered yet.
     *
     * @param interval how often the rows that are due are handed to the notifier again (and once at start)
     * @param lease    how long a row handed to the notifier is left alone before it is due again
     */
    public record Outbox(@DefaultValue("10s") Duration interval, @DefaultValue("1m") Duration lease) {
    }
}
