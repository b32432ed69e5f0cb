package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The database goes away under the postings and comes back: the postings wait, retrying with
 * back-off, and post in acceptance order once it answers; none ends failed. While it refuses every
 * thread, an entry sent is answered {@code 503} with {@code Retry-After} and not recorded. The outage is played by
 * a data source that refuses connections to iowq's workers ({@link Outage}), while the request
 * threads still accept entries.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.datasource.url=jdbc:h2:mem:ledger-outage;DB_CLOSE_DELAY=-1",
                "ledger.database.initial-backoff=20ms", "ledger.database.max-backoff=200ms",
                "ledger.partner.delay=0ms"})
@Import(LedgerDatabaseOutageTests.Outage.class)
@DirtiesContext
class LedgerDatabaseOutageTests {

    private static final Duration PATIENCE = Duration.ofMinutes(2);

    @LocalServerPort
    private int port;

    @Autowired
    private Outage outage;

    @Test
    void postingsWaitOutADatabaseThatRefusesConnectionsAndPostInOrderWhenItIsBack() {
        LedgerClient api = new LedgerClient(port);
        String account = "outage";
        api.open(List.of(account), 1_000, PATIENCE);

        outage.begin();
        List<String> references = List.of("a", "b", "c", "d", "e");
        for (int i = 0; i < references.size(); i++) {
            assertThat(api.post(account, 10 * (i + 1), references.get(i)).getStatusCode().value()).isEqualTo(202);
        }
        // the first posting tries again and again, and the others wait behind it
        await().atMost(PATIENCE).until(() -> outage.refused() >= 10);
        AccountView during = api.account(account);
        assertThat(during.count(EntryStatus.FAILED)).as("entries failed during the outage").isZero();
        assertThat(during.count(EntryStatus.PENDING)).isEqualTo(references.size());

        outage.end();
        await().atMost(PATIENCE).until(() -> api.account(account).count(EntryStatus.PENDING) == 0);
        AccountView after = api.account(account);
        assertThat(after.entries()).extracting(Entry::reference, Entry::status, Entry::sequence)
                .containsExactly(tuple("open", EntryStatus.POSTED, 1L), tuple("a", EntryStatus.POSTED, 2L),
                        tuple("b", EntryStatus.POSTED, 3L), tuple("c", EntryStatus.POSTED, 4L),
                        tuple("d", EntryStatus.POSTED, 5L), tuple("e", EntryStatus.POSTED, 6L));
        assertThat(after.balance()).isEqualTo(1_000 + 10 + 20 + 30 + 40 + 50);
    }

    @Test
    void anEntrySentWhileTheDatabaseRefusesEveryoneIsAnswered503WithRetryAfterAndNotRecorded() {
        LedgerClient api = new LedgerClient(port);
        outage.beginForEveryone();
        try {
            ResponseEntity<String> refused = api.http().post().uri("/accounts/{a}/entries", "away")
                    .contentType(MediaType.APPLICATION_JSON).body("{\"amount\": 5}")
                    .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                            .headers(response.getHeaders()).body(new String(response.getBody().readAllBytes())));
            assertThat(refused.getStatusCode().value()).isEqualTo(503);
            assertThat(refused.getHeaders().getFirst("Retry-After")).isEqualTo("1");
            assertThat(refused.getBody()).contains("the database does not answer now");
        } finally {
            outage.end();
        }
        int status = api.http().get().uri("/accounts/{a}", "away").exchange((req, res) -> res.getStatusCode().value());
        assertThat(status).as("the refused entry is not in the ledger").isEqualTo(404);
    }

    /** Wraps the data source: while an outage lasts, iowq's workers get no connection. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Outage {

        private volatile boolean down;
        private volatile boolean everyone;
        private final AtomicInteger refused = new AtomicInteger();

        void begin() {
            down = true;
        }

        void beginForEveryone() {
            everyone = true;
            down = true;
        }

        void end() {
            down = false;
            everyone = false;
        }

        int refused() {
            return refused.get();
        }

        @Bean
        static BeanPostProcessor outageDataSource(ObjectProvider<Outage> outage) {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (!(bean instanceof DataSource dataSource) || bean instanceof DelegatingDataSource) {
                        return bean;
                    }
                    return new DelegatingDataSource(dataSource) {
                        @Override
                        public Connection getConnection() throws SQLException {
                            outage.getObject().check();
                            return super.getConnection();
                        }
                    };
                }
            };
        }

        private void check() throws SQLException {
            if (down && (everyone || Thread.currentThread().getName().startsWith("iowq-"))) {
                refused.incrementAndGet();
                throw new SQLTransientConnectionException("connection refused (test outage)");
            }
        }
    }
}
