package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.autoconfigure.IoWqExecutorCustomizer;
import io.iowq.core.Blocking;
import io.iowq.core.CancelResult;
import io.iowq.core.Cancellation;
import io.iowq.core.IoWqStats;
import io.iowq.core.Work;
import io.iowq.core.WorkClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Service;

/**
 * The examples of {@code docs/usage.md}, compiled and run: what the page shows is copied from here.
 */
@SpringBootTest(classes = UsageExamplesTests.Application.class, properties = "iowq.shutdown.await-termination=10s")
class UsageExamplesTests {

    @Autowired
    private LedgerService ledger;

    @Autowired
    private RatesClient rates;

    @Autowired
    private IoWqExecutor executor;

    // --- usage.md: enabling
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import({LedgerService.class, RatesClient.class, Customization.class})
    static class Application {
    }

    @Configuration(proxyBeanMethods = false)
    static class Customization {

        // --- usage.md: customizing
        @Bean
        IoWqExecutorCustomizer iowqCustomizer() {
            return new IoWqExecutorCustomizer() {
                @Override
                public void customizeConfig(io.iowq.core.IoWqConfig.Builder builder) {
                    builder.blockingSamplePeriod(Duration.ofMillis(5));
                }

                @Override
                public void customize(IoWqExecutor executor) {
                    executor.setAwaitTermination(Duration.ofSeconds(10));
                }
            };
        }
    }

    // --- usage.md: @Hashed
    record Account(String id) {
    }

    @Service
    static class LedgerService {

        private final Map<String, Long> balances = new ConcurrentHashMap<>();

        /** Posts for one account run one at a time, in call order; accounts run in parallel. */
        @Async
        @Hashed("#account.id")
        public CompletableFuture<Long> post(Account account, long cents) {
            long balance = balances.getOrDefault(account.id(), 0L) + cents; // read-modify-write, safe per key
            balances.put(account.id(), balance);
            return CompletableFuture.completedFuture(balance);
        }

        /** Not @Async: runs in the caller's thread. */
        public long balance(String accountId) {
            return balances.getOrDefault(accountId, 0L);
        }

        /** A fire-and-forget call, serialized on a fixed key: a literal in quotes. */
        @Async
        @Hashed("'audit-log'")
        public void audit(String line) {
            // appended in call order
        }
    }

    // --- usage.md: @Unbounded
    @Service
    @Unbounded
    static class RatesClient {

        /** May block on the network for long: runs in the unbound class. */
        @Async
        public CompletableFuture<String> fetch(String currency) throws Exception {
            return CompletableFuture.completedFuture(Blocking.call(() -> currency + ":1.08"));
        }
    }

    @Test
    void hashedPostsNeverLoseAnUpdate() {
        List<CompletableFuture<Long>> posts = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            posts.add(ledger.post(new Account("acct-" + (i % 10)), 1));
        }
        CompletableFuture.allOf(posts.toArray(new CompletableFuture[0])).join();
        for (int a = 0; a < 10; a++) {
            assertThat(ledger.balance("acct-" + a)).isEqualTo(100L);
        }
        ledger.audit("done");
    }

    @Test
    void unboundedCallsRunInTheUnboundClass() throws Exception {
        assertThat(rates.fetch("EUR").join()).isEqualTo("EUR:1.08");
        assertThat(executor.stats().unbounded().maxWorkers()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void programmaticUse() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // --- usage.md: programmatic use
        Work<String> first = executor.enqueue(executor.work(() -> {
            release.await();
            return "posted";
        }).hashed(42L).describedAs("Ledger.post"));
        Work<String> second = executor.enqueue(executor.work(() -> "posted too").hashed(42L));

        CompletableFuture<String> page = executor.submitCompletable(() -> "rendered");
        Work<Object> fetch = executor.enqueue(executor.work(() -> System.out.println("fetched")).unbound());
        // ---
        await().atMost(Duration.ofSeconds(30)).until(() -> first.state() == Work.State.RUNNING);
        // --- usage.md: operator API
        IoWqStats stats = executor.stats();                 // what the Actuator endpoint shows
        CancelResult one = executor.cancel(second.id());    // OK: it was pending behind its key
        Cancellation byKey = executor.cancelKey("42");      // RUNNING: the first was interrupted
        executor.setMaxWorkers(WorkClass.BOUND, 16);        // resize at run time
        // ---
        assertThat(page.get(30, TimeUnit.SECONDS)).isEqualTo("rendered");
        fetch.get(30, TimeUnit.SECONDS);
        assertThat(stats.submitted()).isGreaterThanOrEqualTo(4);
        assertThat(one).isEqualTo(CancelResult.OK);
        assertThat(byKey.result()).isEqualTo(CancelResult.RUNNING);
        assertThat(first.isCancelled()).isTrue();
        assertThat(executor.stats().bounded().maxWorkers()).isEqualTo(16);
    }

    @Test
    void everyJavaExampleOfUsageMdIsCodeOfThisClass() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "usage.md"));
        String source = normalized(Files.readString(
                Path.of("src", "test", "java", "io", "iowq", "spring", "UsageExamplesTests.java")));
        List<String> sourceLines = source.lines().toList();
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(page);
        int blocks = 0;
        while (block.find()) {
            blocks++;
            String example = normalized(block.group(1));
            List<String> imports = example.lines().filter(l -> l.startsWith("import ")).toList();
            assertThat(imports).as("imports of example %d of usage.md", blocks).isNotEmpty();
            for (String line : imports) {
                String type = line.substring("import ".length(), line.length() - 1);
                boolean samePackage = type.equals(getClass().getPackageName() + "." + type.substring(type.lastIndexOf('.') + 1));
                assertThat(samePackage || sourceLines.contains(line)).as("%s of example %d", line, blocks).isTrue();
                assertThat(example).as("%s is used in example %d", line, blocks)
                        .containsPattern("\\b" + type.substring(type.lastIndexOf('.') + 1) + "\\b(?!;)");
            }
            String code = example.lines().filter(l -> !l.startsWith("import ")).collect(Collectors.joining("\n"));
            assertThat(source).as("example %d of usage.md", blocks).contains(code);
        }
        assertThat(blocks).isGreaterThanOrEqualTo(6);
    }

    /** Lines without their indentation, blank lines dropped. */
    private static String normalized(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }
}
