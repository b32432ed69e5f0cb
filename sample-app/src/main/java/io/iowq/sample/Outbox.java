package io.iowq.sample;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Delivers the notifications that are still owed: the outbox rows that postings wrote and the
 * partner has not acknowledged. Once at start it hands every row to the {@link Notifier} (a previous
 * run may have posted entries and stopped before telling the partner, or the pool may have refused
 * the notification while it drained), then every {@code ledger.outbox.interval} the rows whose lease
 * ({@code ledger.outbox.lease}) has run out: a notification that failed on every try, or whose
 * acknowledgement was not recorded. If the pool refuses a notification (it is full or stopping), the
 * round ends and what is left is due again at once, for the next round.
 */
@Component
class Outbox {

    private static final Log logger = LogFactory.getLog(Outbox.class);
    private static final int BATCH = 500;

    private final LedgerRepository repository;
    private final Notifier notifier;
    private final Duration lease;
    private volatile boolean started;

    Outbox(LedgerRepository repository, Notifier notifier, LedgerProperties properties) {
        this.repository = repository;
        this.notifier = notifier;
        this.lease = properties.outbox().lease();
    }

    /** One round; the first takes every row, leased or not, since no notification of this run is older. */
    @Scheduled(fixedDelayString = "${ledger.outbox.interval:10s}")
    void relay() {
        OffsetDateTime now = now();
        OffsetDateTime dueBy = started ? now : now.plus(lease);
        started = true;
        int handed = 0;
        try {
            List<Entry> due;
            do {
                due = repository.takeDueNotifications(dueBy, now().plus(lease), BATCH);
                for (int i = 0; i < due.size(); i++) {
                    try {
                        notifier.posted(due.get(i));
                        handed++;
                    } catch (RejectedExecutionException e) {
                        repository.releaseNotifications(due.subList(i, due.size()), now());
                        logger.info("Outbox: the pool refused a notification (" + e.getMessage() + "); "
                                + (due.size() - i) + " or more left for the next round");
                        return;
                    }
                }
            } while (due.size() == BATCH);
        } catch (RuntimeException e) {
            logger.warn("Outbox: could not read the notifications owed; trying again next round: " + e);
        } finally {
            if (handed > 0) {
                logger.info("Outbox: handed " + handed + " notifications owed to the notifier");
            }
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
