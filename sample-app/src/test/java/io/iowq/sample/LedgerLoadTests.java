package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.apache.coyote.AbstractProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.JdkClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The ledger under load for a bounded time: {@value #CLIENTS} clients post entries to
 * {@value #ACCOUNTS} accounts over real HTTP (a loop on the JDK's {@link HttpClient}, each client
 * waiting for one answer before it sends its next request) for {@code -Diowq.load.seconds} (10 by
 * default), after a warm-up of {@code -Diowq.load.warmup-seconds} (3). Then:
 * <ul>
 * <li>no error: every answer was a {@code 202}, or a {@code 503} with {@code Retry-After} if the pool
 * refused the posting (its queue full), whose entry must then not be in the ledger;</li>
 * <li>no lost entry: every accepted entry is in its account exactly once, posted, in each client's
 * order, with exact running balances; the partner heard of each and the outbox owes nothing; the
 * pool failed and cancelled nothing;</li>
 * <li>back to baseline once the idle timeouts have passed (1 s for iowq here): iowq's workers, and every
 * pool of the JVM's live threads, at most at their baseline size; the heap used after a full GC
 * within {@link #HEAP_MARGIN} of its baseline.</li>
 * </ul>
 * The baseline is taken after the warm-up, with every entry settled and the pool at its floor (the
 * one bound worker it keeps). The ledger keeps every entry it accepts in its in-memory database: once the
 * load's rows have been checked they are deleted before the heap is compared; what the stand-in
 * partner remembers of each entry (its id) stays, and is allowed for.
 * <p>
 * What is not iowq's is kept from holding on to idle threads and connections (see
 * {@link QuickToLetGo}), so that a thread or a heap still above its baseline after the run is a leak,
 * not a pool or a cache waiting out its own timeout, or sized by the busiest moment of the run.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"ledger.partner.delay=20ms", "iowq.idle-timeout=1s",
                "server.tomcat.threads.max=" + LedgerLoadTests.SERVER_THREADS,
                "server.tomcat.threads.min-spare=" + LedgerLoadTests.SERVER_THREADS,
                "server.tomcat.keep-alive-timeout=2s", "server.tomcat.processor-cache=0"})
@Import(LedgerLoadTests.QuickToLetGo.class)
@DirtiesContext
class LedgerLoadTests {

    static final int SERVER_THREADS = 200;
    private static final int CLIENTS = 8;
    private static final int ACCOUNTS = 200;
    private static final long OPENING_DEPOSIT = 1_000_000;
    private static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("iowq.load.warmup-seconds", 3));
    private static final Duration LOAD = Duration.ofSeconds(Long.getLong("iowq.load.seconds", 10));
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
    /**
     * How far above its baseline the heap used after a full GC may stay, beyond the partner's ids
     * (measured: less than 1 MiB, after 3,600 entries as after 40,000).
     */
    private static final long HEAP_MARGIN = 8L << 20;
    /**
     * What the stand-in partner keeps of each entry it heard of, by design: a boxed id in a concurrent
     * set (measured at 63 bytes in a class histogram, at most 67 with the table half full).
     */
    private static final long PARTNER_BYTES_PER_ENTRY = 72;
    /** Bounds the waits for the ledger and the pool; only a failure ever takes this long. */
    private static final Duration PATIENCE = Duration.ofMinutes(5);
    /** Bounds the waits for threads, connections and heap to come back; only a leak takes this long. */
    private static final Duration RECOVERY = Duration.ofMinutes(1);

    @LocalServerPort
    private int port;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private WebServerApplicationContext server;

    @Autowired
    private LedgerRepository repository;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final String run = "load" + UUID.randomUUID().toString().substring(0, 8);
    private ExecutorService clientThreads;
    private HttpClient http;
    private LedgerClient api;

    @BeforeEach
    void connect() {
        clientThreads = shortLivedPool("load-client-");
        http = HttpClient.newBuilder().executor(clientThreads).build();
        api = new LedgerClient(port, http);
    }

    @AfterEach
    void disconnect() {
        clientThreads.shutdownNow();
    }

    @Test
    void clientsPostingForABoundedTimeGetNoErrorLoseNoEntryAndLeaveThreadsAndHeapAtTheirBaseline() throws Exception {
        long seed = new Random().nextLong();
        System.out.printf("LedgerLoadTests seed: %d (accounts %s-*); %d clients, %d accounts, warm-up %d s, load %d s%n",
                seed, run, CLIENTS, ACCOUNTS, WARM_UP.toSeconds(), LOAD.toSeconds());
        List<String> accounts = IntStream.range(0, ACCOUNTS).mapToObj(i -> run + "-" + i).toList();
        api.open(accounts, OPENING_DEPOSIT, PATIENCE);
        List<Client> clients = IntStream.range(0, CLIENTS)
                .mapToObj(c -> new Client(c, accounts, new Random(seed + c))).toList();
        drive(clients, WARM_UP);
        Baseline before = baseline(accounts);

        clients.forEach(Client::startMeasuring);
        long start = System.nanoTime();
        int peakWorkers = drive(clients, LOAD);
        double seconds = (System.nanoTime() - start) / 1e9;
        int peakThreads = threads.getPeakThreadCount();
        long backlog = ((Number) api.get("/actuator/iowq").get("pending")).longValue();
        long drainStart = System.nanoTime();
        awaitSettled(accounts);
        double drain = (System.nanoTime() - drainStart) / 1e9;

        assertThat(clients.stream().flatMap(c -> c.errors.stream()).toList())
                .as("requests not answered 202").isEmpty();
        checkNoEntryLost(accounts, clients, before);
        int accepted = clients.stream().mapToInt(c -> c.measured).sum();
        System.out.printf("LedgerLoadTests: %,d items pending in iowq when the load ended; every entry posted and "
                        + "its partner told %.1f s later: %,.0f posted/s over the load and the drain%n", backlog, drain,
                accepted / (seconds + drain));
        long[] latencies = clients.stream().flatMapToLong(Client::latencies).sorted().toArray();
        assertThat(latencies).hasSize(accepted).isNotEmpty();
        System.out.printf("LedgerLoadTests: %,d entries accepted in %.1f s (%,.0f/s) from %d clients, 0 errors, "
                        + "none lost, %,d refused (503); latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                accepted, seconds, accepted / seconds, CLIENTS, clients.stream().mapToInt(c -> c.refused).sum(), millis(latencies, 0.50), millis(latencies, 0.99),
                millis(latencies, 1.0));
        clients = null; // what the clients sent is not the application's heap
        latencies = null;

        awaitQuiet(before.workers());
        long heapWithRows = heapUsedAfterGc();
        assertThat(deleteEntriesAfter(before.lastEntry())).isEqualTo(accepted);
        long heapAfter = awaitBackToBaseline(before, accepted);
        System.out.printf("LedgerLoadTests: heap used after a full GC %.1f MiB before, %.1f MiB after with the "
                        + "load's rows, %.1f MiB without them (at most %.1f allowed); live threads %d before, %d at "
                        + "peak, %d after; iowq workers %d before, %d at peak, %d after%n",
                mib(before.heap()), mib(heapWithRows), mib(heapAfter), mib(allowedHeap(before, accepted)),
                before.threads(), peakThreads, threads.getThreadCount(), before.workers(), peakWorkers,
                api.iowqWorkers());
    }

    /** What the load is measured against, taken once every entry has settled and the pool is at its floor. */
    private record Baseline(Map<String, Object> pool, int workers, long lastEntry, long heap, int threads,
                            Map<String, Long> threadsByPool) {
    }

    private Baseline baseline(List<String> accounts) throws SQLException {
        awaitSettled(accounts);
        int floor = 1; // the one bound worker the pool keeps
        awaitQuiet(floor);
        Baseline baseline = new Baseline(api.get("/actuator/iowq"), floor, lastEntryId(), heapUsedAfterGc(),
                threads.getThreadCount(), threadsByPool());
        threads.resetPeakThreadCount();
        return baseline;
    }

    /**
     * Every entry the clients had accepted is in its account exactly once, posted in order with exact
     * balances, and the partner heard of it, the outbox owes nothing; the pool failed and cancelled
     * nothing, and counted every 503 as rejected.
     */
    private void checkNoEntryLost(List<String> accounts, List<Client> clients, Baseline before) {
        awaitSettled(accounts);
        Map<String, List<Posted>> byAccount = clients.stream().flatMap(c -> c.accepted.stream())
                .collect(Collectors.groupingBy(Posted::account));
        for (String account : accounts) {
            LedgerChecks.checkAccount(api.account(account), byAccount.getOrDefault(account, List.of()), 0,
                    OPENING_DEPOSIT);
        }
        Map<String, Object> pool = api.get("/actuator/iowq");
        for (String counter : List.of("failed", "cancelled")) {
            assertThat(pool.get(counter)).as("the pool's %s count", counter).isEqualTo(before.pool().get(counter));
        }
        // a refusal (503) is counted rejected by the pool; so is a notification it refused, left to the outbox
        long refused = clients.stream().mapToLong(c -> c.refused).sum();
        assertThat(((Number) pool.get("rejected")).longValue() - ((Number) before.pool().get("rejected")).longValue())
                .as("the pool's rejected count against the 503s").isGreaterThanOrEqualTo(refused);
        await().atMost(PATIENCE).until(() -> repository.undelivered() == 0);
    }

    /**
     * Waits until the pool is at {@code floor} workers and the server holds no more connections than
     * the test's own client may (one per client and one for this thread): the partner client's have
     * been closed idle.
     */
    private void awaitQuiet(int floor) {
        await().atMost(RECOVERY).until(() -> api.iowqWorkers() == floor && serverConnections() <= CLIENTS + 1);
    }

    private long serverConnections() {
        return ((AbstractProtocol<?>) ((TomcatWebServer) server.getWebServer()).getTomcat().getConnector()
                .getProtocolHandler()).getConnectionCount();
    }

    /**
     * Waits until no pool of threads is above its baseline size, and the heap used after a full GC is
     * within its allowance; returns that heap figure.
     */
    private long awaitBackToBaseline(Baseline before, int accepted) {
        await().atMost(RECOVERY).pollInSameThread().untilAsserted(() -> assertThat(
                grown(before.threadsByPool(), threadsByPool()))
                .as("pools of threads above their baseline size (baseline %s)", before.threadsByPool()).isEmpty());
        long[] heap = new long[1];
        await().atMost(RECOVERY).pollInSameThread().pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(heap[0] = heapUsedAfterGc())
                        .as("heap used after a full GC, against %d before and %,d entries", before.heap(), accepted)
                        .isLessThanOrEqualTo(allowedHeap(before, accepted)));
        return heap[0];
    }

    private static long allowedHeap(Baseline before, int entries) {
        return before.heap() + HEAP_MARGIN + PARTNER_BYTES_PER_ENTRY * entries;
    }

    /**
     * Runs every client for {@code time}; returns the most iowq workers seen meanwhile, sampled from
     * {@code /actuator/iowq} while this thread waits for the clients.
     */
    private int drive(List<Client> clients, Duration time) throws Exception {
        long deadline = System.nanoTime() + time.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients.size());
        int peakWorkers = 0;
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Client c : clients) {
                running.add(pool.submit(() -> {
                    c.postUntil(deadline);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                while (true) {
                    peakWorkers = Math.max(peakWorkers, api.iowqWorkers());
                    try {
                        f.get(250, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException stillRunning) {
                        // sample again
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
        return peakWorkers;
    }

    /** Waits until every accepted entry is posted and the partner has heard of it. */
    private void awaitSettled(List<String> accounts) {
        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> {
            AccountView view = api.account(a);
            return view.count(EntryStatus.PENDING) == 0 && api.notified(a) == view.count(EntryStatus.POSTED);
        }));
    }

    /** One client: posts round the accounts, each entry once the last one is answered. */
    private final class Client {

        final int id;
        final List<String> accounts;
        final Random random;
        final List<Posted> accepted = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        private long[] latencies = new long[0];
        private int measured;
        private int sent;
        private int refused;

        Client(int id, List<String> accounts, Random random) {
            this.id = id;
            this.accounts = accounts;
            this.random = random;
        }

        void startMeasuring() {
            latencies = new long[1 << 12];
            measured = 0;
        }

        LongStream latencies() {
            return Arrays.stream(latencies, 0, measured);
        }

        void postUntil(long deadline) throws InterruptedException {
            while (System.nanoTime() - deadline < 0) {
                Posted entry = Posted.next(id, sent, accounts.get((id + sent) % accounts.size()), random);
                sent++;
                long start = System.nanoTime();
                try {
                    HttpResponse<String> answer = http.send(request(entry), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() == 503 && answer.headers().firstValue("Retry-After").isPresent()) {
                        refused++; // the pool is full: not accepted, not in the ledger (LedgerChecks)
                        continue;
                    }
                    if (answer.statusCode() != 202) {
                        errors.add(entry.reference() + ": " + answer.statusCode() + " " + answer.body());
                        continue;
                    }
                } catch (IOException e) {
                    errors.add(entry.reference() + ": " + e);
                    continue;
                }
                long took = System.nanoTime() - start;
                accepted.add(entry);
                if (latencies.length > 0) {
                    if (measured == latencies.length) {
                        latencies = Arrays.copyOf(latencies, measured * 2);
                    }
                    latencies[measured++] = took;
                }
            }
        }

        private HttpRequest request(Posted entry) {
            return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/accounts/" + entry.account()
                            + "/entries"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":" + entry.amount() + ",\"reference\":\""
                            + entry.reference() + "\"}"))
                    .build();
        }
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[(int) Math.max(0, Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }

    private static double mib(long bytes) {
        return bytes / (double) (1 << 20);
    }

    private long heapUsedAfterGc() {
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** The live threads by pool: their names with the numbers taken out. */
    private Map<String, Long> threadsByPool() {
        return Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
                .filter(Objects::nonNull)
                .collect(Collectors.groupingBy(t -> t.getThreadName().replaceAll("\\d+", "#"), TreeMap::new,
                        Collectors.counting()));
    }

    /** The pools of {@code now} with more threads than in {@code before}, and how many they have. */
    private static Map<String, Long> grown(Map<String, Long> before, Map<String, Long> now) {
        Map<String, Long> grown = new TreeMap<>(now);
        grown.entrySet().removeIf(e -> e.getValue() <= before.getOrDefault(e.getKey(), 0L));
        return grown;
    }

    private long lastEntryId() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(id), 0) FROM entry");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes the run's entries accepted after entry {@code id}; returns how many. */
    private long deleteEntriesAfter(long id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM entry WHERE id > ? AND account_id LIKE ?")) {
            s.setLong(1, id);
            s.setString(2, run + "-%");
            return s.executeUpdate();
        }
    }

    /** A pool that makes threads as needed and lets each go after {@link #IDLE_TIMEOUT} idle. */
    private static ExecutorService shortLivedPool(String namePrefix) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS,
                new SynchronousQueue<>(), task -> {
                    Thread t = new Thread(task, namePrefix + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * What the test changes outside iowq, and why; without it, threads and heap would stay above their
     * baseline for a minute or more after a run, by design:
     * <ul>
     * <li>Tomcat's threads are fixed at its default maximum ({@value #SERVER_THREADS}); a thread it
     * adds otherwise stays 60 s idle (properties above).</li>
     * <li>The partner client's JDK client runs on {@link #shortLivedPool}: its default pool keeps an
     * idle thread 60 s.</li>
     * <li>Tomcat closes a connection after 2 s idle (its default is 60 s; the JDK client keeps an idle
     * one 20 minutes) and keeps no processor or channel buffers for reuse: each connection open at the
     * busiest moment, one per notification in flight, otherwise keeps about 60 KiB of heap — up to
     * 30 MiB in our runs, as the unbound class grew to 400 workers on a loaded machine.</li>
     * </ul>
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class QuickToLetGo {

        @Bean
        TomcatConnectorCustomizer noChannelBufferCache() {
            return connector -> connector.setProperty("socket.bufferPool", "0");
        }

        @Bean
        PartnerClientExecutor partnerClientExecutor() {
            return new PartnerClientExecutor();
        }

        static final class PartnerClientExecutor
                implements ClientHttpRequestFactoryBuilderCustomizer<JdkClientHttpRequestFactoryBuilder>, DisposableBean {

            private final ExecutorService pool = shortLivedPool("partner-client-");

            @Override
            public JdkClientHttpRequestFactoryBuilder customize(JdkClientHttpRequestFactoryBuilder builder) {
                return builder.withExecutor(pool);
            }

            @Override
            public void destroy() {
                pool.shutdownNow();
            }
        }
    }
}
