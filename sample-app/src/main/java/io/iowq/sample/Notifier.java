package io.iowq.sample;

import io.iowq.spring.Unbounded;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
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
 * Delivery is at least once: a call that fails on the way (a dropped connection, a timeout, a 5xx)
 * is tried again after a pause, up to {@code ledger.partner.attempts} times; the partner tells
 * repeats apart by the entry's id.
 */
@Service
public class Notifier {

    /** What the partner is told of a posting. */
    public record Notification(long entryId, String account, long amount, long sequence, long balanceAfter) {
    }

    private final RestClient partner;
    private final LedgerProperties properties;
    private final Environment environment;
    private final Counter sent;
    private final Counter retried;
    private final Counter failed;

    Notifier(RestClient.Builder builder, LedgerProperties properties, Environment environment,
             MeterRegistry meters) {
        this.partner = builder.build();
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
     * Tells the partner that {@code entry} was posted, trying again on failures on the way; a refusal
     * (4xx) or the last failure is thrown, and logged by {@code @Async}'s exception handler.
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
                return;
            } catch (RestClientException e) {
                boolean onTheWay = e instanceof ResourceAccessException || e instanceof HttpServerErrorException;
                if (!onTheWay || attempt >= settings.attempts() || !pause(settings.backoff().multipliedBy(attempt))) {
                    failed.increment();
                    throw e;
                }
                retried.increment();
            }
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
