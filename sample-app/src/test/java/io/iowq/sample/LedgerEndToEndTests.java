package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The ledger end to end, over real HTTP on a random port: concurrent clients post thousands of
 * entries, every balance comes out exact and every client's entries come out in the order it posted
 * them, while an operator watches the work in flight on {@code /actuator/iowq} and cancels one
 * account's pending entries there. Subclasses choose the database.
 * <p>
 * Nothing here waits a guessed time: whatever takes time is awaited by its outcome (Awaitility),
 * and the timeouts only bound a failure. Accounts carry a prefix unique to the run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ledger.partner.delay=20ms", "spring.security.user.password=" + LedgerEndToEndTests.OPS_PASSWORD})
@DirtiesContext
abstract class LedgerEndToEndTests {

    private static final int ACCOUNTS = 20;
    private static final int CLIENTS = 16;
    private static final int ENTRIES = 5_000;
    /** How many of the held account's postings must queue behind its first before the operator acts. */
    private static final int HELD_QUEUED = 5;
    private static final long OPENING_DEPOSIT = 1_000_000;
    /** Bounds every wait; only a failure ever takes this long. */
    private static final Duration PATIENCE = Duration.ofMinutes(5);
    static final String OPS_PASSWORD = "ops-in-test";

    @LocalServerPort
    private int port;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private LedgerRepository repository;

    @Autowired
    private Ledger ledger;

    private LedgerClient api;
    private final String run = "r" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void connect() {
        api = new LedgerClient(port);
    }

    @Test
    void concurrentClientsPostEveryEntryExactlyOnceInTheirOrderWhileAnOperatorWatchesAndCancelsAHeldAccount()
            throws Exception {
        long seed = new Random().nextLong();
        long start = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " seed: " + seed + " (accounts " + run + "-*)");
        List<String> accounts = IntStream.range(0, ACCOUNTS).mapToObj(i -> run + "-" + i).toList();
        String held = accounts.get(0);

        // every account opens with a deposit, so that its row exists and can be held below
        api.open(accounts, OPENING_DEPOSIT, PATIENCE);

        List<Posted> posted;
        Map<String, Object> cancelled;
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (Connection operator = dataSource.getConnection()) {
            // hold the account's row, as a slow report or a stuck migration would: its postings queue up
            // behind the first one, which waits for the row, while the other accounts go on posting
            operator.setAutoCommit(false);
            try (PreparedStatement hold = operator.prepareStatement("SELECT id FROM account WHERE id = ? FOR UPDATE")) {
                hold.setString(1, held);
                try (ResultSet rs = hold.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                }
            }
            List<Future<List<Posted>>> load = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                int count = ENTRIES / CLIENTS + (c < ENTRIES % CLIENTS ? 1 : 0);
                load.add(clients.submit(() -> postAll(client, count, accounts, new Random(seed + client))));
            }

            // during the load: the pool shows the held account's postings queued, and its first running
            await().atMost(PATIENCE).until(() -> queuedFor(held) >= HELD_QUEUED && runningFor(held) == 1);
            log(start, "the held account's postings are queued");
            Map<String, Object> stats = api.get("/actuator/iowq");
            assertThat(((Number) stats.get("pending")).longValue()).isGreaterThanOrEqualTo(HELD_QUEUED);
            assertThat(((Number) stats.get("activeKeys")).longValue()).isGreaterThanOrEqualTo(1);
            assertThat(((Number) stats.get("submitted")).longValue()).isGreaterThan(ACCOUNTS + HELD_QUEUED);

            // cancelling is for operators only
            assertThat(api.cancelKey(held, null).getStatusCode().value()).isEqualTo(401);
            assertThat(api.cancelKey(held, "not-the-password").getStatusCode().value()).isEqualTo(401);
            assertThat(queuedFor(held)).isGreaterThanOrEqualTo(HELD_QUEUED);

            ResponseEntity<Map<String, Object>> cancel = api.cancelKey(held, OPS_PASSWORD);
            assertThat(cancel.getStatusCode().value()).isEqualTo(200);
            cancelled = cancel.getBody();
            assertThat(cancelled).containsEntry("result", "RUNNING").containsEntry("running", 1);
            assertThat(((Number) cancelled.get("pending")).intValue()).isGreaterThanOrEqualTo(HELD_QUEUED);

            operator.rollback();
            posted = new ArrayList<>();
            for (Future<List<Posted>> client : load) {
                posted.addAll(client.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(posted).hasSize(ENTRIES);
        log(start, "the clients posted " + ENTRIES + " entries");

        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> api.account(a).count(EntryStatus.PENDING) == 0));
        Map<String, List<Posted>> byAccount = posted.stream().collect(Collectors.groupingBy(Posted::account));
        long postedInAll = 0;
        for (String account : accounts) {
            AccountView view = api.account(account);
            List<Posted> sent = byAccount.get(account);
            int expectedCancelled = account.equals(held)
                    ? ((Number) cancelled.get("pending")).intValue() + ((Number) cancelled.get("running")).intValue()
                    : 0;
            LedgerChecks.checkAccount(view, sent, expectedCancelled, OPENING_DEPOSIT);
            postedInAll += view.count(EntryStatus.POSTED);
        }
        assertThat(postedInAll).isEqualTo(ENTRIES + ACCOUNTS - ((Number) cancelled.get("pending")).intValue() - 1);
        log(start, "every entry settled and checked; cancelled " + cancelled);

        // and the partner heard of every posting, and of nothing else
        await().atMost(PATIENCE).until(() -> accounts.stream()
                .allMatch(a -> api.notified(a) == api.account(a).count(EntryStatus.POSTED)));
        log(start, "the partner heard of every posting (" + api.notifications("retried") + " calls retried); pool "
                + api.get("/actuator/iowq"));
        // and the outbox owes nothing: every posting's row went once the partner had it
        await().atMost(PATIENCE).until(() -> repository.undelivered() == 0);
    }

    private void log(long start, String what) {
        System.out.printf("%s: %s after %d ms%n", getClass().getSimpleName(), what,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * One client: posts {@code count} entries, waiting for each {@code 202} before the next, so its
     * entries for one account are submitted in the order it sends them; it goes round the accounts.
     */
    private List<Posted> postAll(int client, int count, List<String> accounts, Random random) {
        List<Posted> sent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Posted entry = Posted.next(client, i, accounts.get((client + i) % accounts.size()), random);
            ResponseEntity<Map<String, Object>> response = api.post(entry.account(), entry.amount(), entry.reference());
            assertThat(response.getStatusCode().value()).as("POST %s %s", entry.account(), entry.reference())
                    .isEqualTo(202);
            assertThat(response.getBody()).containsEntry("status", "PENDING");
            sent.add(entry);
        }
        return sent;
    }

    @Test
    void theActuatorShowsHealthMetricsPrometheusAndIowqToAnyone() {
        assertThat(api.get("/actuator/health")).containsEntry("status", "UP");
        assertThat(api.get("/actuator/metrics")).containsKey("names");
        assertThat(api.get("/actuator/iowq")).containsKeys("bounded", "unbounded", "pending", "activeKeys", "submitted");
        assertThat(api.get("/actuator/iowq/work")).containsKeys("pending", "running");
        ResponseEntity<String> prometheus = api.http().get().uri("/actuator/prometheus").accept(MediaType.TEXT_PLAIN)
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .body(new String(response.getBody().readAllBytes())));
        assertThat(prometheus.getStatusCode().value()).isEqualTo(200);
        assertThat(prometheus.getBody()).contains("http_server_requests");
    }

    @Test
    void iowqWriteOperationsNeedAnOpsUser() {
        assertThat(api.exchange(HttpMethod.DELETE, "/actuator/iowq", null, null).getStatusCode().value()).isEqualTo(401);
        assertThat(api.exchange(HttpMethod.POST, "/actuator/iowq", "{\"boundedMaxWorkers\":8}", null).getStatusCode().value())
                .isEqualTo(401);
        assertThat(api.exchange(HttpMethod.DELETE, "/actuator/iowq/work/1", null, "wrong").getStatusCode().value())
                .isEqualTo(401);

        ResponseEntity<Map<String, Object>> nothing = api.cancelKey(run + "-nobody", OPS_PASSWORD);
        assertThat(nothing.getStatusCode().value()).isEqualTo(200);
        assertThat(nothing.getBody()).containsEntry("result", "NOT_FOUND");
    }

    @Test
    void entriesThatAStoppedRunLeftPendingArePostedInOrderWhenTheLedgerStartsAgain() {
        String account = run + "-resumed";
        // as a run that stopped between accepting and posting leaves them: recorded, never handed over
        repository.accept(account, 500, "first");
        repository.accept(account, -200, "second");
        assertThat(api.account(account).count(EntryStatus.PENDING)).isEqualTo(2);

        ledger.resumePending();

        await().atMost(PATIENCE).until(() -> api.account(account).count(EntryStatus.POSTED) == 2);
        AccountView view = api.account(account);
        assertThat(view.balance()).isEqualTo(300);
        assertThat(view.entries()).extracting(Entry::reference, Entry::sequence, Entry::balanceAfter)
                .containsExactly(tuple("first", 1L, 500L), tuple("second", 2L, 300L));
    }

    @Test
    void malformedEntriesAreRefusedAndUnknownAccountsAreNotFound() {
        String account = run + "-x";
        assertThat(api.post(account, 0, "zero").getStatusCode().value()).isEqualTo(400);
        assertThat(api.post("no spaces", 5, "bad account").getStatusCode().value()).isEqualTo(400);
        // Math.abs(Long.MIN_VALUE) is negative: it must not pass as a small amount
        assertThat(api.post(account, Long.MIN_VALUE, "min").getStatusCode().value()).isEqualTo(400);
        assertThat(api.post(account, 1_000_000_000_001L, "too much").getStatusCode().value()).isEqualTo(400);
        for (String body : List.of("{\"amount\": 12.99}", "{\"amount\": 12.0}", "{\"amount\": \"100\"}",
                "{\"amount\": 1e3}", "{\"amount\": 0.5}", "{\"amount\": true}", "{\"amount\": null}", "{}",
                "{\"amount\": 5, \"amount\": 7}", "{\"amount\": 5, \"reference\": \"a\", \"reference\": \"b\"}",
                "{\"amount\": 5, \"reference\": \"nul\\u0000here\"}", "{\"amount\": 5, \"reference\": 17}",
                "{\"amount\": 5, \"currency\": \"EUR\"}", "[5]", "5", "{\"amount\": 5")) {
            assertThat(postRaw(account, body)).as("POST %s", body).isEqualTo(400);
        }
        assertThat(api.http().get().uri("/accounts/{a}", account).exchange((req, res) -> res.getStatusCode()).value())
                .as("nothing of the refused entries was recorded").isEqualTo(404);
        assertThat(postRaw(account, "{\"amount\": 5, \"reference\": \"fine\"}")).isEqualTo(202);
        assertThat(api.http().get().uri("/accounts/{a}", run + "-never").exchange((req, res) -> res.getStatusCode()).value())
                .isEqualTo(404);
    }

    @Test
    void anEntryThatWouldTakeTheBalanceBeyondALongFailsWithTheReasonAndLeavesTheBalanceAlone() throws Exception {
        String account = run + "-rich";
        api.open(List.of(account), 1, PATIENCE);
        long nearTheTop = Long.MAX_VALUE - 10;
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("UPDATE account SET balance = ? WHERE id = ?")) {
            s.setLong(1, nearTheTop);
            s.setString(2, account);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
        assertThat(api.post(account, 11, "over").getStatusCode().value()).isEqualTo(202);
        assertThat(api.post(account, -1, "after").getStatusCode().value()).isEqualTo(202);

        await().atMost(PATIENCE).until(() -> api.account(account).count(EntryStatus.PENDING) == 0);
        AccountView view = api.account(account);
        Entry over = view.entries().stream().filter(e -> "over".equals(e.reference())).findFirst().orElseThrow();
        assertThat(over.status()).isEqualTo(EntryStatus.FAILED);
        assertThat(over.failure()).contains("beyond the largest balance");
        assertThat(view.entries()).filteredOn(e -> e.status() == EntryStatus.POSTED)
                .extracting(Entry::reference, Entry::sequence, Entry::balanceAfter)
                .containsExactly(tuple("open", 1L, 1L), tuple("after", 2L, nearTheTop - 1));
        assertThat(view.balance()).isEqualTo(nearTheTop - 1);
    }

    private int postRaw(String account, String json) {
        return api.http().post().uri("/accounts/{account}/entries", account)
                .contentType(MediaType.APPLICATION_JSON)
                .body(json)
                .exchange((request, response) -> response.getStatusCode().value());
    }

    /** How many of {@code key}'s items the pool shows pending. */
    private long queuedFor(String key) {
        return api.workOf("pending", key);
    }

    /** How many of {@code key}'s items the pool shows running. */
    private long runningFor(String key) {
        return api.workOf("running", key);
    }
}
