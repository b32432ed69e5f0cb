package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The ledger scaled out on Kafka, small: three JVMs of the sample (profiles {@code kafka} and
 * {@code postgres}) on one broker and one database, {@value #ACCOUNTS} accounts × {@value #PER_ACCOUNT}
 * entries from {@value #CLIENTS} clients, two posting to each account at once (each client posts one
 * entry after another, to the instances in turn, and tries another when one does not answer); one
 * instance is killed with SIGKILL once 40% of the entries are accepted. Once no entry is pending, checked in the database:
 * every entry answered {@code 202} is posted and every entry there is posted; each account's balance
 * is the sum of its posted entries and its posting count their number (an entry posted twice would
 * count twice); postings run 1..n with each balance-after the running sum.
 * <p>
 * The broker is the one named by {@code IOWQ_KAFKA_BOOTSTRAP_SERVERS} ({@code .ci/kafka}) if set,
 * else an in-process KRaft broker of spring-kafka-test; the database is {@link PostgresServer}'s.
 */
@ExtendWith(PostgresServer.class)
class KafkaScaleOutTests {

    private static final int INSTANCES = 3;
    private static final int ACCOUNTS = 4;
    private static final int PER_ACCOUNT = 60;
    private static final int CLIENTS = 2 * ACCOUNTS;
    private static final Duration STARTUP = Duration.ofMinutes(2);
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private static PostgreSQLContainer container;
    private static EmbeddedKafkaKraftBroker broker;
    private static String brokers;

    private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String schema = "scale_out_" + run;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process[] instances = new Process[INSTANCES];
    private final int[] ports = new int[INSTANCES];

    @BeforeAll
    static void servers() {
        container = SampleJvms.startDatabase();
        brokers = System.getenv("IOWQ_KAFKA_BOOTSTRAP_SERVERS");
        if (brokers == null || brokers.isBlank()) {
            broker = new EmbeddedKafkaKraftBroker(1, 1);
            broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
            broker.afterPropertiesSet();
            brokers = broker.getBrokersAsString();
        }
    }

    @AfterAll
    static void stopServers() {
        if (broker != null) {
            broker.destroy();
        }
        if (container != null) {
            container.stop();
        }
    }

    @AfterEach
    void stop() {
        for (Process p : instances) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        PostgresServer.dropSchema(schema);
    }

    @Test
    void threeInstancesOneKilledEveryAcceptedEntryPostedOnceAndEveryBalanceExact() throws Exception {
        for (int i = 0; i < INSTANCES; i++) {
            ports[i] = SampleJvms.freePort();
        }
        // The first instance creates the schema (schema.sql); PostgreSQL's CREATE ... IF NOT EXISTS is
        // not safe against another session running it at once, so the others start once it is up.
        start(0);
        awaitHealthy(0);
        for (int i = 1; i < INSTANCES; i++) {
            start(i);
        }
        for (int i = 1; i < INSTANCES; i++) {
            awaitHealthy(i);
        }
        int total = ACCOUNTS * PER_ACCOUNT;
        Set<Long> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger cutOff = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> load = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                load.add(clients.submit(() -> {
                    // entries n = client, client + CLIENTS, ...: each account gets entries from two clients at once
                    for (int n = client; n < total; n += CLIENTS) {
                        accepted.add(post("acct-" + n % ACCOUNTS, n % 997 + 1, n, cutOff));
                    }
                    return null;
                }));
            }
            await().atMost(PATIENCE).until(() -> accepted.size() >= total * 2 / 5);
            instances[INSTANCES - 1].destroyForcibly(); // SIGKILL
            assertThat(instances[INSTANCES - 1].waitFor(1, TimeUnit.MINUTES)).isTrue();
            System.out.printf("KafkaScaleOutTests: killed instance %d (SIGKILL) after %d accepted entries%n",
                    INSTANCES, accepted.size());
            for (Future<?> f : load) {
                f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        long t1 = System.nanoTime();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> count("SELECT count(*) FROM entry WHERE status = 'PENDING'") == 0);
        long t2 = System.nanoTime();

        Set<Long> posted = ConcurrentHashMap.newKeySet();
        try (Connection db = connect(); Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM entry WHERE status = 'POSTED'")) {
            while (rs.next()) {
                posted.add(rs.getLong(1));
            }
        }
        long entries = count("SELECT count(*) FROM entry");
        long wrongBalance = count("SELECT count(*) FROM account a WHERE a.balance <> (SELECT coalesce(sum(amount), 0) "
                + "FROM entry e WHERE e.account_id = a.id AND e.status = 'POSTED') OR a.postings <> (SELECT count(*) "
                + "FROM entry e WHERE e.account_id = a.id AND e.status = 'POSTED')");
        long wrongChain = count("SELECT count(*) FROM (SELECT posting_seq, balance_after, "
                + "row_number() OVER (PARTITION BY account_id ORDER BY posting_seq) AS n, "
                + "sum(amount) OVER (PARTITION BY account_id ORDER BY posting_seq) AS running "
                + "FROM entry WHERE status = 'POSTED') t WHERE posting_seq <> n OR balance_after <> running");
        System.out.printf("KafkaScaleOutTests: %d entries accepted in %.1f s (%d requests cut off by the kill), none "
                        + "pending %.1f s later; %d entries in the database, %d posted; accounts with a wrong balance or "
                        + "posting count: %d; postings out of sequence or with a wrong balance-after: %d%n",
                accepted.size(), (t1 - t0) / 1e9, cutOff.get(), (t2 - t1) / 1e9, entries, posted.size(), wrongBalance,
                wrongChain);
        assertThat(accepted).as("entries answered 202").hasSize(total);
        assertThat(posted).as("every entry answered 202 is posted").containsAll(accepted);
        assertThat(entries).as("every entry in the database is posted").isEqualTo(posted.size());
        assertThat(count("SELECT count(*) FROM account")).isEqualTo(ACCOUNTS);
        assertThat(wrongBalance).as("accounts whose balance or posting count differs from their posted entries").isZero();
        assertThat(wrongChain).as("postings out of sequence or with a wrong balance-after").isZero();
    }

    /**
     * Posts one entry of {@code account}, to instance {@code start} and on in turn until one answers
     * {@code 202}; returns the entry's id. A request the kill cut off may have left an entry, which
     * the ledger posts too (its sweeper produces it again), so the client goes on with a new one.
     */
    private long post(String account, long amount, int start, AtomicInteger cutOff) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
            int port = ports[(start + attempt) % INSTANCES];
            HttpRequest request = SampleJvms.entryRequest(port, account, "{\"amount\":" + amount + "}",
                    Duration.ofSeconds(10));
            try {
                HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 202) {
                    return SampleJvms.acceptedId(answer);
                }
                assertThat(answer.statusCode()).as("%s", answer.body()).isEqualTo(503);
            } catch (ConnectException notListening) {
                // the killed instance: the next one
            } catch (IOException e) {
                cutOff.incrementAndGet();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no instance accepted an entry of " + account + " in " + PATIENCE);
    }

    /** Starts instance {@code i} in a JVM of its own, on the run's schema, topic and consumer group. */
    private void start(int i) throws IOException {
        List<String> command = SampleJvms.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"),
                container, schema, List.of(
                "--spring.profiles.active=kafka,postgres",
                "--server.port=" + ports[i],
                "--spring.kafka.bootstrap-servers=" + brokers,
                "--ledger.kafka.topic=scale-out-" + run,
                "--ledger.kafka.partitions=6",
                "--spring.kafka.consumer.group-id=scale-out-" + run,
                // the killed instance's partitions go to the others once its session times out
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
                "--ledger.kafka.sweep-after=5s",
                "--ledger.partner.delay=0ms",
                "--spring.security.user.password=scale-out-test"));
        File log = Path.of("target", "scale-out-" + run + "-" + (i + 1) + ".log").toFile();
        instances[i] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        System.out.println("KafkaScaleOutTests: instance " + (i + 1) + " (pid " + instances[i].pid() + ", port "
                + ports[i] + "), its log in " + log);
    }

    private void awaitHealthy(int i) {
        await().atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(instances[i].isAlive()).as("instance %d runs", i + 1).isTrue();
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + ports[i] + "/actuator/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                return health.statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }



    private long count(String sql) throws SQLException {
        return SampleJvms.count(container, schema, sql);
    }

    private Connection connect() throws SQLException {
        return SampleJvms.connect(container, schema);
    }
}
