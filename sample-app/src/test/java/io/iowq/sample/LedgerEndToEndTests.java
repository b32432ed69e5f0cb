package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

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
    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
    };

    @LocalServerPort
    private int port;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private LedgerRepository repository;

    @Autowired
    private Ledger ledger;

    private RestClient http;
    private final String run = "r" + UUID.randomUUID().toString().substring(0, 8);

    /** One entry as a client posted it. */
    private record Posted(int client, String account, String reference, long amount) {
    }

    @BeforeEach
    void connect() {
        http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestFactory(new JdkClientHttpRequestFactory())
                .build();
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
        for (String account : accounts) {
            assertThat(post(account, OPENING_DEPOSIT, "open").getStatusCode().value()).isEqualTo(202);
        }
        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> account(a).count(EntryStatus.POSTED) == 1));

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
            Map<String, Object> stats = get("/actuator/iowq");
            assertThat(((Number) stats.get("pending")).longValue()).isGreaterThanOrEqualTo(HELD_QUEUED);
            assertThat(((Number) stats.get("activeKeys")).longValue()).isGreaterThanOrEqualTo(1);
            assertThat(((Number) stats.get("submitted")).longValue()).isGreaterThan(ACCOUNTS + HELD_QUEUED);

            // cancelling is for operators only
            assertThat(cancelKey(held, null).getStatusCode().value()).isEqualTo(401);
            assertThat(cancelKey(held, "not-the-password").getStatusCode().value()).isEqualTo(401);
            assertThat(queuedFor(held)).isGreaterThanOrEqualTo(HELD_QUEUED);

            ResponseEntity<Map<String, Object>> cancel = cancelKey(held, OPS_PASSWORD);
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

        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> account(a).count(EntryStatus.PENDING) == 0));
        Map<String, List<Posted>> byAccount = posted.stream().collect(Collectors.groupingBy(Posted::account));
        long postedInAll = 0;
        for (String account : accounts) {
            AccountView view = account(account);
            List<Posted> sent = byAccount.get(account);
            int expectedCancelled = account.equals(held)
                    ? ((Number) cancelled.get("pending")).intValue() + ((Number) cancelled.get("running")).intValue()
                    : 0;
            checkAccount(view, sent, expectedCancelled);
            postedInAll += view.count(EntryStatus.POSTED);
        }
        assertThat(postedInAll).isEqualTo(ENTRIES + ACCOUNTS - ((Number) cancelled.get("pending")).intValue() - 1);
        log(start, "every entry settled and checked; cancelled " + cancelled);

        // and the partner heard of every posting, and of nothing else
        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> notified(a) == account(a).count(EntryStatus.POSTED)));
        log(start, "the partner heard of every posting (" + notifications("retried") + " calls retried); pool "
                + get("/actuator/iowq"));
    }

    private void log(long start, String what) {
        System.out.printf("%s: %s after %d ms%n", getClass().getSimpleName(), what,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /**
     * Checks one account: every entry its clients sent is there exactly once, none pending or failed,
     * {@code expectedCancelled} cancelled; the posted ones carry sequences 1, 2, ... with running
     * balances that add up to the balance; and each client's posted entries come in the order it sent them.
     */
    private static void checkAccount(AccountView view, List<Posted> sent, int expectedCancelled) {
        Map<String, Entry> byReference = new HashMap<>();
        for (Entry entry : view.entries()) {
            assertThat(byReference.put(entry.reference(), entry)).as("entry %s of %s twice", entry.reference(), view.account())
                    .isNull();
        }
        assertThat(byReference.keySet()).as("entries of %s", view.account())
                .containsExactlyInAnyOrderElementsOf(concat("open", sent.stream().map(Posted::reference).toList()));
        for (Posted p : sent) {
            assertThat(byReference.get(p.reference()).amount()).isEqualTo(p.amount());
        }
        assertThat(view.count(EntryStatus.PENDING)).isZero();
        assertThat(view.count(EntryStatus.FAILED)).as("failed entries of %s", view.account()).isZero();
        assertThat(view.count(EntryStatus.CANCELLED)).as("cancelled entries of %s", view.account())
                .isEqualTo(expectedCancelled);

        List<Entry> postedInOrder = view.entries().stream().filter(e -> e.status() == EntryStatus.POSTED).toList();
        long balance = 0;
        for (int i = 0; i < postedInOrder.size(); i++) {
            Entry entry = postedInOrder.get(i);
            balance += entry.amount();
            assertThat(entry.sequence()).as("sequence of %s in %s", entry.reference(), view.account()).isEqualTo(i + 1);
            assertThat(entry.balanceAfter()).as("balance after %s in %s", entry.reference(), view.account())
                    .isEqualTo(balance);
        }
        assertThat(view.balance()).as("balance of %s", view.account()).isEqualTo(balance);
        long expected = OPENING_DEPOSIT + sent.stream()
                .filter(p -> byReference.get(p.reference()).status() == EntryStatus.POSTED)
                .mapToLong(Posted::amount).sum();
        assertThat(view.balance()).as("balance of %s from what the clients sent", view.account()).isEqualTo(expected);

        Map<Integer, List<Posted>> byClient = sent.stream().collect(Collectors.groupingBy(Posted::client));
        byClient.forEach((client, own) -> {
            List<String> sentOrder = own.stream().map(Posted::reference)
                    .filter(r -> byReference.get(r).status() == EntryStatus.POSTED).toList();
            List<String> postedOrder = postedInOrder.stream().map(Entry::reference)
                    .filter(r -> r.startsWith("c" + client + "-")).toList();
            assertThat(postedOrder).as("client %d's entries in %s, in posting order", client, view.account())
                    .containsExactlyElementsOf(sentOrder);
        });
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /**
     * One client: posts {@code count} entries, waiting for each {@code 202} before the next, so its
     * entries for one account are submitted in the order it sends them; it goes round the accounts.
     */
    private List<Posted> postAll(int client, int count, List<String> accounts, Random random) {
        List<Posted> sent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String account = accounts.get((client + i) % accounts.size());
            long amount = random.nextInt(15_000) - 5_000;
            if (amount == 0) {
                amount = 1;
            }
            String reference = "c" + client + "-" + i;
            ResponseEntity<Map<String, Object>> response = post(account, amount, reference);
            assertThat(response.getStatusCode().value()).as("POST %s %s", account, reference).isEqualTo(202);
            assertThat(response.getBody()).containsEntry("status", "PENDING");
            sent.add(new Posted(client, account, reference, amount));
        }
        return sent;
    }

    @Test
    void theActuatorShowsHealthMetricsPrometheusAndIowqToAnyone() {
        assertThat(get("/actuator/health")).containsEntry("status", "UP");
        assertThat(get("/actuator/metrics")).containsKey("names");
        assertThat(get("/actuator/iowq")).containsKeys("bounded", "unbounded", "pending", "activeKeys", "submitted");
        assertThat(get("/actuator/iowq/work")).containsKeys("pending", "running");
        ResponseEntity<String> prometheus = http.get().uri("/actuator/prometheus").accept(MediaType.TEXT_PLAIN)
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .body(new String(response.getBody().readAllBytes())));
        assertThat(prometheus.getStatusCode().value()).isEqualTo(200);
        assertThat(prometheus.getBody()).contains("http_server_requests");
    }

    @Test
    void iowqWriteOperationsNeedAnOpsUser() {
        assertThat(exchange(HttpMethod.DELETE, "/actuator/iowq", null, null).getStatusCode().value()).isEqualTo(401);
        assertThat(exchange(HttpMethod.POST, "/actuator/iowq", "{\"boundedMaxWorkers\":8}", null).getStatusCode().value())
                .isEqualTo(401);
        assertThat(exchange(HttpMethod.DELETE, "/actuator/iowq/work/1", null, "wrong").getStatusCode().value())
                .isEqualTo(401);

        ResponseEntity<Map<String, Object>> nothing = cancelKey(run + "-nobody", OPS_PASSWORD);
        assertThat(nothing.getStatusCode().value()).isEqualTo(200);
        assertThat(nothing.getBody()).containsEntry("result", "NOT_FOUND");
    }

    @Test
    void entriesThatAStoppedRunLeftPendingArePostedInOrderWhenTheLedgerStartsAgain() {
        String account = run + "-resumed";
        // as a run that stopped between accepting and posting leaves them: recorded, never handed over
        repository.accept(account, 500, "first");
        repository.accept(account, -200, "second");
        assertThat(account(account).count(EntryStatus.PENDING)).isEqualTo(2);

        ledger.resumePending();

        await().atMost(PATIENCE).until(() -> account(account).count(EntryStatus.POSTED) == 2);
        AccountView view = account(account);
        assertThat(view.balance()).isEqualTo(300);
        assertThat(view.entries()).extracting(Entry::reference, Entry::sequence, Entry::balanceAfter)
                .containsExactly(tuple("first", 1L, 500L), tuple("second", 2L, 300L));
    }

    @Test
    void malformedEntriesAreRefusedAndUnknownAccountsAreNotFound() {
        assertThat(post(run + "-x", 0, "zero").getStatusCode().value()).isEqualTo(400);
        assertThat(post("no spaces", 5, "bad account").getStatusCode().value()).isEqualTo(400);
        assertThat(http.get().uri("/accounts/{a}", run + "-never").exchange((req, res) -> res.getStatusCode()).value())
                .isEqualTo(404);
    }

    // ------------------------------------------------------------------ HTTP

    private ResponseEntity<Map<String, Object>> post(String account, long amount, String reference) {
        return http.post().uri("/accounts/{account}/entries", account)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("amount", amount, "reference", reference))
                .exchange((request, response) -> entity(response.getStatusCode(), response.getStatusCode().isError()
                        ? null : response.bodyTo(JSON)));
    }

    private AccountView account(String account) {
        return http.get().uri("/accounts/{account}", account).retrieve().body(AccountView.class);
    }

    private long notified(String account) {
        return ((Number) http.get().uri("/partner/notifications?account={a}", account).retrieve().body(JSON)
                .get("received")).longValue();
    }

    /** The count of {@code ledger.notifications} with this outcome. */
    @SuppressWarnings("unchecked")
    private Object notifications(String outcome) {
        List<Map<String, Object>> measurements = (List<Map<String, Object>>) get(
                "/actuator/metrics/ledger.notifications?tag=outcome:" + outcome).get("measurements");
        return measurements.get(0).get("value");
    }

    private Map<String, Object> get(String path) {
        return http.get().uri(path).retrieve().body(JSON);
    }

    /** How many of {@code key}'s items the pool shows pending. */
    private long queuedFor(String key) {
        return workOf("pending", key);
    }

    /** How many of {@code key}'s items the pool shows running. */
    private long runningFor(String key) {
        return workOf("running", key);
    }

    @SuppressWarnings("unchecked")
    private long workOf(String section, String key) {
        List<Map<String, Object>> items = (List<Map<String, Object>>) get("/actuator/iowq/work").get(section);
        return items.stream().filter(item -> key.equals(item.get("key"))).count();
    }

    private ResponseEntity<Map<String, Object>> cancelKey(String key, String password) {
        return exchange(HttpMethod.DELETE, "/actuator/iowq/keys/" + key, null, password);
    }

    private ResponseEntity<Map<String, Object>> exchange(HttpMethod method, String path, String json, String password) {
        RestClient.RequestBodySpec request = http.method(method).uri(path);
        if (password != null) {
            request.headers(headers -> headers.setBasicAuth("ops", password));
        }
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.exchange((req, response) -> entity(response.getStatusCode(),
                response.getStatusCode().is2xxSuccessful() ? response.bodyTo(JSON) : null));
    }

    private static ResponseEntity<Map<String, Object>> entity(HttpStatusCode status, Map<String, Object> body) {
        return ResponseEntity.status(status).headers(new HttpHeaders()).body(body);
    }
}
