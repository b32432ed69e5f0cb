package io.iowq.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The AOT-processed jar ({@code spring-boot:process-aot}, the Maven profile {@code aot}) started as
 * a user would, {@code java -Dspring.aot.enabled=true -jar iowq-sample-app.jar}, in its own JVM:
 * its context comes from the generated code (Spring Boot refuses to start in AOT mode without it),
 * and it serves the ledger: postings in order per account, exact balances, the {@code iowq}
 * endpoint, the operator's cancel, health. Run by failsafe after the jar is built, which names the jar
 * ({@code iowq.sample.jar}); without that property (surefire, before the jar exists) it does not run.
 */
@EnabledIfSystemProperty(named = "iowq.sample.jar", matches = ".+")
class AotProcessedJarIT {

    private static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final String PASSWORD = "ops-in-aot-test";
    private static final Pattern STARTED = Pattern.compile("Started LedgerApplication in ([0-9.]+) seconds");

    private Process app;
    private Path log;

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.destroy(); // SIGTERM: the graceful shutdown
            if (!app.waitFor(60, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
    }

    @Test
    void theAotProcessedJarStartsInAotModeOnTheJvmAndServesTheLedger() throws Exception {
        Path jar = Path.of(System.getProperty("iowq.sample.jar"));
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertThat(zip.getEntry("BOOT-INF/classes/io/iowq/sample/LedgerApplication__ApplicationContextInitializer.class"))
                    .as("the AOT-generated initializer in %s", jar).isNotNull();
        }
        int port = freePort();
        log = Files.createTempFile(Path.of("target"), "aot-jar-", ".log");
        app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dspring.aot.enabled=true", "-jar", jar.toString(),
                "--server.port=" + port, "--ledger.partner.delay=20ms", "--spring.security.user.password=" + PASSWORD)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();

        String started = await().atMost(PATIENCE).until(this::startedIn, s -> s != null || !app.isAlive());
        assertThat(started).as("the jar started; its log:%n%s", Files.readString(log)).isNotNull();
        assertThat(Files.readString(log)).contains("Starting AOT-processed LedgerApplication");
        System.out.println("AOT-processed jar: Started LedgerApplication in " + started + " seconds (" + log + ")");

        LedgerClient api = new LedgerClient(port);
        String run = "aot" + Long.toHexString(System.nanoTime());
        List<String> accounts = IntStream.range(0, 4).mapToObj(i -> run + "-" + i).toList();
        api.open(accounts, 1_000, PATIENCE);
        List<Posted> posted = new ArrayList<>();
        Random random = new Random(42);
        for (int i = 0; i < 40; i++) {
            Posted entry = Posted.next(0, i, accounts.get(i % accounts.size()), random);
            assertThat(api.post(entry.account(), entry.amount(), entry.reference()).getStatusCode().value()).isEqualTo(202);
            posted.add(entry);
        }
        await().atMost(PATIENCE).until(() -> accounts.stream().allMatch(a -> api.account(a).count(EntryStatus.PENDING) == 0));
        for (String account : accounts) {
            List<Posted> sent = posted.stream().filter(p -> p.account().equals(account)).toList();
            LedgerChecks.checkAccount(api.account(account), sent, 0, 1_000);
        }

        Map<String, Object> stats = api.get("/actuator/iowq");
        assertThat(((Number) stats.get("submitted")).longValue()).isGreaterThanOrEqualTo(44);
        assertThat(api.get("/actuator/iowq/work")).containsKeys("pending", "running");
        assertThat(api.cancelKey(run + "-nobody", null).getStatusCode().value()).isEqualTo(401);
        assertThat(api.cancelKey(run + "-nobody", PASSWORD).getBody()).containsEntry("result", "NOT_FOUND");
        assertThat(api.get("/actuator/health")).containsEntry("status", "UP");
    }

    private String startedIn() throws IOException {
        Matcher m = STARTED.matcher(Files.readString(log));
        return m.find() ? m.group(1) : null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
