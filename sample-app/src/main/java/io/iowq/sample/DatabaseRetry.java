package io.iowq.sample;

import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryListener;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Runs a database call again, with back-off, for as long as it fails on the way: no connection, a
 * connection lost, a deadlock or lock timeout, a query timeout, a commit that failed. Any other
 * failure is permanent and thrown at once. The pauses start at {@code ledger.database.initial-backoff}
 * and double up to {@code ledger.database.max-backoff}; there is no limit on the tries, since the
 * caller (a posting) must not end before the database answers. An interrupt (the work is cancelled,
 * or the pool stops after its drain) ends the waiting: the last failure is thrown, with the thread's
 * interrupt status set.
 * <p>
 * Spring's own {@link RetryTemplate}; each retried failure is logged once, at WARN.
 */
@Component
class DatabaseRetry {

    private static final Log logger = LogFactory.getLog(DatabaseRetry.class);

    private final RetryTemplate retry;

    DatabaseRetry(LedgerProperties properties) {
        LedgerProperties.Database settings = properties.database();
        this.retry = new RetryTemplate(RetryPolicy.builder()
                .predicate(DatabaseRetry::isTransient)
                .maxRetries(Integer.MAX_VALUE)
                .delay(settings.initialBackoff())
                .multiplier(2)
                .maxDelay(settings.maxBackoff())
                .build());
        this.retry.setRetryListener(new RetryListener() {
            @Override
            public void onRetryFailure(RetryPolicy policy, Retryable<?> call, Throwable failure) {
                logger.warn("The database failed on the way while " + call.getName() + "; trying again: " + failure);
            }
        });
    }

    /**
     * {@code call}'s answer, once it gives one.
     *
     * @param what what the call does, for the log ("posting entry 17")
     * @throws RuntimeException the permanent failure, or the last transient one if the thread was
     *                          interrupted while it waited
     */
    <T> T call(String what, Supplier<T> call) {
        try {
            return retry.execute(new Retryable<>() {
                @Override
                public T execute() {
                    return call.get();
                }

                @Override
                public String getName() {
                    return what;
                }
            });
        } catch (RetryException e) {
            Throwable last = e.getLastException() != null ? e.getLastException() : e;
            if (last instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(what + " failed", last);
        }
    }

    /** Whether {@code failure} is one the database may not give on the next try. */
    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TransientDataAccessException || t instanceof RecoverableDataAccessException
                    || t instanceof DataAccessResourceFailureException || t instanceof CannotCreateTransactionException
                    || t instanceof TransactionSystemException || t instanceof SQLTransientException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
