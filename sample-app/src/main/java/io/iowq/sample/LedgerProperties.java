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
 * @param partner      the partner that is told of each posting
 */
@ConfigurationProperties("ledger")
public record LedgerProperties(@DefaultValue("0s") Duration postingDelay, @DefaultValue Partner partner) {

    /**
     * The partner.
     *
     * @param url   where notifications are posted; by default this application's own stand-in partner
     *              ({@code /partner/notifications})
     * @param delay    how late the stand-in partner answers each notification
     * @param attempts how many times a notification is tried before it is given up
     * @param backoff  the pause after a failed try, times the number of tries so far
     */
    public record Partner(URI url, @DefaultValue("300ms") Duration delay, @DefaultValue("4") int attempts,
                          @DefaultValue("250ms") Duration backoff) {
    }
}
