package io.iowq.sample;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A stand-in for the partner that the {@link Notifier} calls: it takes each notification, counts
 * it once whatever the repeats, and answers {@code ledger.partner.delay} late, holding its request
 * thread meanwhile as a slow remote system would hold the caller.
 */
@RestController
@RequestMapping(PartnerStub.PATH)
class PartnerStub {

    static final String PATH = "/partner/notifications";

    private final LedgerProperties properties;
    private final AtomicLong received = new AtomicLong();
    private final Map<String, Set<Long>> receivedByAccount = new ConcurrentHashMap<>();

    PartnerStub(LedgerProperties properties) {
        this.properties = properties;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void receive(@RequestBody Notifier.Notification notification) throws InterruptedException {
        if (receivedByAccount.computeIfAbsent(notification.account(), a -> ConcurrentHashMap.newKeySet())
                .add(notification.entryId())) {
            received.incrementAndGet();
        }
        Thread.sleep(properties.partner().delay().toMillis());
    }

    /** How many postings it has heard of, in all or of one account. */
    @GetMapping
    Map<String, Object> received(@RequestParam(required = false) String account) {
        if (account != null) {
            Set<Long> entries = receivedByAccount.get(account);
            return Map.of("account", account, "received", entries == null ? 0 : entries.size());
        }
        return Map.of("received", received.get());
    }
}
