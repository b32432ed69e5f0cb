package io.iowq.sample;

import io.iowq.spring.Unbounded;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;

/**
 * Tells the partner about each posting, over HTTP. The partner answers late, so a call may block its
 * thread for as long as the partner takes: the work is {@code @Unbounded}, and iowq grows the
 * unbound workers while calls block instead of letting them hold up the postings.
 * <p>
 * Delivery is at least once: the posting's transaction writes an outbox row, and only a call the
 * partner took deletes it. A call that fails on the way (a dropped connection, a timeout, a 5xx) is
 * tried again after a pause, up to {@code ledger.partner.attempts} times; after that the row stays,
 * and {@link Outbox} hands it over again later, as it does at start and whenever the pool refused
 * the call. The partner tells repeats apart by the entry's id. A refusal (4xx) is given up, logged.
 */
@Service
public class Notifier {

    /** What the partner is told of a posting. */
    public record Notification(long entryId, String account, long amount, long sequence, long balanceAfter) {
    }

    private static final Log logger = LogFactory.getLog(Notifier.class);

    private final RestClient partner;
    private final LedgerRepository repository;
    private final LedgerProperties properties;
    private final Environment environment;
    private final Counter sent;
    private final Counter retried;
    private final Counter failed;

    Notifier(RestClient.Builder builder, LedgerRepository repository, LedgerProperties properties,
             Environment environment, MeterRegistry meters) {
        this.partner = builder.build();
        this.repository = repository;
        this.properties = properties;
        this.environment = environment;
        this.sent = counter(meters, "sent");
        this.retried = counter(meters, "retried");
        this.failed = counter(meters, "failed");
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("ledger.notifications").tag("outcome", outcome)
                .description("Calls to the partner about postings").register(meters);
    }

    /**
     * Tells the partner that {@code entry} was posted, trying again on failures on the way, and
     * forgets the entry's outbox row once the partner has it. A refusal (4xx) forgets the row too; it
     * and the last failure on the way (the row stays, for {@link Outbox}) are thrown, and logged by
     * {@code @Async}'s exception handler.
     */
    @Async
    @Unbounded
    public void posted(Entry entry) {
        Notification notification = new Notification(entry.id(), entry.account(), entry.amount(), entry.sequence(),
                entry.balanceAfter());
        LedgerProperties.Partner settings = properties.partner();
        for (int attempt = 1; ; attempt++) {
            try {
                partner.post()
                        .uri(partnerUrl())
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(notification)
                        .retrieve()
                        .toBodilessEntity();
                sent.increment();
                forget(entry);
                return;
            } catch (RestClientException e) {
                boolean onTheWay = e instanceof ResourceAccessException || e instanceof HttpServerErrorException;
                if (!onTheWay) {
                    forget(entry);
                }
                if (!onTheWay || attempt >= settings.attempts() || !pause(settings.backoff().multipliedBy(attempt))) {
                    failed.increment();
                    throw e;
                }
                retried.increment();
            }
        }
    }

    /** The partner has it (or refused it): its outbox row goes; if that fails, the partner hears of it again. */
    private void forget(Entry entry) {
        try {
            repository.notified(entry.id());
        } catch (RuntimeException e) {
            logger.warn("Could not forget the outbox row of entry " + entry.id() + "; the partner will be told again: "
                    + e);
        }
    }

    /** Waits before the next try; false if interrupted (the work was cancelled, or the pool stops). */
    private static boolean pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The configured partner, else the stand-in partner of this application ({@link PartnerStub}). */
    private URI partnerUrl() {
        if (properties.partner().url() != null) {
            return properties.partner().url();
        }
        return URI.create("http://localhost:" + environment.getRequiredProperty("local.server.port")
                + PartnerStub.PATH);
    }
}
