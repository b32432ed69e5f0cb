package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The ledger killed under load and started again, on PostgreSQL: a separate JVM runs the sample
 * ({@link LedgerApplication}, profile {@code postgres}, a schema of the run's own), {@value #CLIENTS}
 * clients post to it, each to accounts of its own (so an account's acceptance order is its entries'
 * id order), while postings are slowed ({@code ledger.posting-delay}) so that a backlog is pending;
 * then {@code kill -9}. A second JVM starts on the same database while the clients are already
 * knocking (a refused connection or a {@code 503} is tried again), and they post more. Once every
 * entry has settled, checked in the database:
 * <ul>
 * <li>every entry a client got a {@code 202} for is there; every entry there is {@code POSTED} (an
 * entry whose {@code 202} the kill cut off may be there, at most one per client);</li>
 * <li>each account's posted entries carry sequences 1..n, in id order — acceptance order, across the
 * restart: the entries pending at the kill posted before those accepted after the restart — with
 * running balances that add up to the account's balance; none posted twice;</li>
 * <li>the partner (a small HTTP server of the test) heard of every posted entry, across the kill,
 * and the outbox owes nothing.</li>
 * </ul>
 */
@ExtendWith(PostgresServer.class)
class LedgerCrashTests {

    private static final int CLIENTS = 8;
    private static final int ACCOUNTS = 40;
    private static final Duration BEFORE_KILL = Duration.ofSeconds(Long.getLong("iowq.crash.load-seconds", 4));
    private static final Duration AFTER_RESTART = Duration.ofSeconds(2);
    private static final Duration PATIENCE = Duration.ofMinutes(3);
    private static final Duration STARTUP = Duration.ofMinutes(1);
    private static final String FILLER = "filler-";
    private static final int FILLER_ACCOUNTS = 500;
    private static final int FILLER_ENTRIES = 5_000;
    private static final Pattern ENTRY_ID = Pattern.compile("\"entryId\"\\s*:\\s*(\\d+)");

    private static PostgreSQLContainer container;

    private final String schema = "ledger_crash_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final Set<Long> notified = ConcurrentHashMap.newKeySet();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private HttpServer partner;
    private Process ledger;
    private int port;

    @BeforeAll
    static void server() {
        container = SampleJvms.startDatabase();
    }

    @AfterAll
    static void stopContainer() {
        if (container != null) {
            container.stop();
        }
    }

    @AfterEach
    void stop() {
        if (ledger != null) {
            ledger.destroyForcibly();
        }
        if (partner != null) {
            partner.stop(0);
        }
        PostgresServer.dropSchema(schema);
    }

    @Test
    void killedUnderLoadAndStartedAgainTheLedgerLosesNothingAndKeepsEachAccountsOrder() throws Exception {
        long seed = new Random().nextLong();
        System.out.printf("LedgerCrashTests seed: %d, schema %s%n", seed, schema);
        startPartner();
        port = SampleJvms.freePort();
        start(1);
        // a backlog the first run never handed over (as if accepted by a run before it), ahead of the
        // clients' entries: at the restart it is resumed first, which takes a while, and the clients'
        // pending entries after it; an entry accepted meanwhile must still post after those
        try (Connection db = connect(); Statement s = db.createStatement()) {
            s.execute("INSERT INTO entry (account_id, amount, reference, status, accepted_at) SELECT '" + FILLER
                    + "' || (g % " + FILLER_ACCOUNTS + "), 1, 'f' || g, 'PENDING', CURRENT_TIMESTAMP "
                    + "FROM generate_series(1, " + FILLER_ENTRIES + ") g");
        }
        List<Client> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(new Client(c, new Random(seed + c)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            // load, then kill -9 while it goes on
            AtomicBoolean killed = new AtomicBoolean();
            List<Future<?>> load = run(pool, clients, () -> !killed.get());
            Thread.sleep(BEFORE_KILL.toMillis());
            long pendingAtKill = count("SELECT COUNT(*) FROM entry WHERE status = 'PENDING'");
            ledger.destroyForcibly(); // SIGKILL
            assertThat(ledger.waitFor(1, TimeUnit.MINUTES)).isTrue();
            killed.set(true);
            for (Future<?> f : load) {
                f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            long pendingAfterKill = count("SELECT COUNT(*) FROM entry WHERE status = 'PENDING'");
            System.out.printf("LedgerCrashTests: killed with %,d entries accepted, %,d pending (%,d a moment before)%n",
                    clients.stream().mapToInt(c -> c.accepted.size()).sum(), pendingAfterKill, pendingAtKill);
            assertThat(pendingAfterKill).as("entries pending at the kill: else the test shows nothing").isPositive();

            // start again: the clients knock at once, and post for a while once it answers
            start(2);
            long restarted = System.nanoTime();
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<?>> more = run(pool, clients, () -> !stop.get());
            awaitHealthy();
            Thread.sleep(AFTER_RESTART.toMillis());
            stop.set(true);
            for (Future<?> f : more) {
                f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            System.out.printf("LedgerCrashTests: healthy and loaded again %.1f s after the restart%n",
                    (System.nanoTime() - restarted) / 1e9);
        } finally {
            pool.shutdownNow();
        }

        await().atMost(PATIENCE).until(() -> count("SELECT COUNT(*) FROM entry WHERE status = 'PENDING'") == 0
                && count("SELECT COUNT(*) FROM outbox") == 0);
        check(clients);
        ledger.destroy(); // SIGTERM: a graceful stop
        assertThat(ledger.waitFor(1, TimeUnit.MINUTES)).isTrue();
    }

    private void check(List<Client> clients) throws SQLException {
        Map<Long, Client> acceptedBy = new HashMap<>();
        Map<String, Long> lastAccepted = new HashMap<>();
        int cutOff = 0;
        for (Client c : clients) {
            c.accepted.forEach(id -> acceptedBy.put(id, c));
            cutOff += c.cutOff;
        }
        List<long[]> entries = new ArrayList<>(); // id, amount, posting_seq, balance_after
        Map<Long, String> accountOf = new HashMap<>();
        try (Connection db = connect(); Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, account_id, amount, status, posting_seq, balance_after FROM "
                     + "entry ORDER BY account_id, posting_seq")) {
            while (rs.next()) {
                assertThat(rs.getString("status")).as("entry %d", rs.getLong("id")).isEqualTo("POSTED");
                entries.add(new long[] {rs.getLong("id"), rs.getLong("amount"), rs.getLong("posting_seq"),
                        rs.getLong("balance_after")});
                accountOf.put(rs.getLong("id"), rs.getString("account_id"));
            }
        }
        assertThat(accountOf.keySet()).as("every entry answered 202 is in the ledger")
                .containsAll(acceptedBy.keySet());
        assertThat(accountOf.size() - FILLER_ENTRIES - acceptedBy.size())
                .as("entries in the ledger whose 202 the kill cut off").isLessThanOrEqualTo(cutOff);

        Map<String, List<long[]>> byAccount = entries.stream()
                .collect(Collectors.groupingBy(e -> accountOf.get(e[0])));
        Map<String, Long> balances = balances();
        for (Map.Entry<String, List<long[]>> account : byAccount.entrySet()) {
            long balance = 0;
            long lastId = 0;
            List<long[]> posted = account.getValue();
            for (int i = 0; i < posted.size(); i++) {
                long[] e = posted.get(i);
                balance += e[1];
                assertThat(e[2]).as("sequence of entry %d in %s", e[0], account.getKey()).isEqualTo(i + 1);
                assertThat(e[3]).as("balance after entry %d in %s", e[0], account.getKey()).isEqualTo(balance);
                assertThat(e[0]).as("entry %d of %s posted after entry %d: out of acceptance order", e[0],
                        account.getKey(), lastId).isGreaterThan(lastId);
                lastId = e[0];
            }
            assertThat(balances.get(account.getKey())).as("balance of %s", account.getKey()).isEqualTo(balance);
            lastAccepted.put(account.getKey(), lastId);
        }
        assertThat(notified).as("entries the partner heard of").containsAll(accountOf.keySet());
        System.out.printf("LedgerCrashTests: %,d entries posted in %d accounts (%,d of them resumed backlog in %,d "
                        + "accounts), each in acceptance order across the kill; %,d answered 202, %d cut off by the kill; "
                        + "the partner heard of all%n", accountOf.size(), byAccount.size(), FILLER_ENTRIES,
                FILLER_ACCOUNTS, acceptedBy.size(), cutOff);
    }

    /** Runs every client while {@code go} says so. */
    private List<Future<?>> run(ExecutorService pool, List<Client> clients, BooleanSupplier go) {
        List<Future<?>> running = new ArrayList<>();
        for (Client c : clients) {
            running.add(pool.submit(() -> {
                c.postWhile(go);
                return null;
            }));
        }
        return running;
    }

    /** One client: posts round its own accounts, each entry once the last one is answered. */
    private final class Client {

        final int id;
        final Random random;
        final List<Long> accepted = new ArrayList<>();
        int cutOff;
        private int sent;

        Client(int id, Random random) {
            this.id = id;
            this.random = random;
        }

        void postWhile(BooleanSupplier go) throws InterruptedException {
            while (go.getAsBoolean()) {
                String account = "a" + (id + CLIENTS * (sent % (ACCOUNTS / CLIENTS)));
                long amount = random.nextInt(15_000) - 5_000;
                HttpRequest request = SampleJvms.entryRequest(port, account, "{\"amount\":" + (amount == 0 ? 1 : amount)
                        + ",\"reference\":\"c" + id + "-" + sent + "\"}", Duration.ofSeconds(30));
                try {
                    HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 202) {
                        accepted.add(SampleJvms.acceptedId(answer));
                        sent++;
                    } else {
                        assertThat(answer.statusCode()).as("%s", answer.body()).isEqualTo(503);
                        Thread.sleep(10);
                    }
                } catch (ConnectException notListening) {
                    Thread.sleep(20); // not started yet, or killed
                } catch (IOException e) {
                    // the kill cut the request off: its entry may or may not be in the ledger; the next
                    // entry of this account must not come before it, so the client goes to its next account
                    cutOff++;
                    sent++;
                }
            }
        }
    }

    /** Starts the sample in a JVM of its own, on the run's schema; the first time, awaits it healthy. */
    private void start(int run) throws IOException {
        List<String> command = SampleJvms.command(List.of("-XX:TieredStopAtLevel=1", "-Xmx256m"), container, schema,
                List.of(
                "--spring.profiles.active=postgres",
                "--server.port=" + port,
                // slowed in the first run, so that a backlog is pending at the kill
                "--ledger.posting-delay=" + (run == 1 ? "20ms" : "0s"),
                "--ledger.partner.url=http://localhost:" + partner.getAddress().getPort() + "/notifications",
                "--ledger.outbox.interval=1s",
                "--spring.security.user.password=crash-test"));
        File log = Path.of("target", "ledger-crash-" + schema + "-" + run + ".log").toFile();
        ledger = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        System.out.println("LedgerCrashTests: JVM " + run + " (pid " + ledger.pid() + "), its log in " + log);
        if (run == 1) {
            awaitHealthy();
        }
    }

    private void awaitHealthy() {
        String[] last = {"no answer"};
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(ledger.isAlive()).as("the ledger's JVM runs").isTrue();
                try {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                                    URI.create("http://localhost:" + port + "/actuator/health"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    last[0] = health.statusCode() + " " + health.body();
                    return health.statusCode() == 200;
                } catch (IOException e) {
                    last[0] = e.toString();
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("The ledger did not report healthy in " + STARTUP + "; last answer: " + last[0], e);
        }
    }


    /** The partner: takes every notification, remembers its entry id, answers 204. */
    private void startPartner() throws IOException {
        partner = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        partner.setExecutor(Executors.newFixedThreadPool(4));
        partner.createContext("/notifications", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = ENTRY_ID.matcher(body);
            if (m.find()) {
                notified.add(Long.parseLong(m.group(1)));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        partner.start();
    }


    private Map<String, Long> balances() throws SQLException {
        Map<String, Long> balances = new HashMap<>();
        try (Connection db = connect(); Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, balance FROM account")) {
            while (rs.next()) {
                balances.put(rs.getString(1), rs.getLong(2));
            }
        }
        return balances;
    }

    private long count(String sql) throws SQLException {
        return SampleJvms.count(container, schema, sql);
    }

    private Connection connect() throws SQLException {
        return SampleJvms.connect(container, schema);
    }
}
