package io.iowq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.FixedBackOff;

/**
 * {@code @KafkaListener}s on iowq's container factory against an in-process KRaft broker: key order
 * and cross-key parallelism inside one partition, a failing key that retries and goes to the
 * dead-letter topic without holding the other keys back, and the endpoint's and meters' view of the
 * partitions.
 */
@SpringBootTest(classes = KafkaTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.kafka.consumer.auto-offset-reset=earliest",
                "spring.kafka.listener.poll-timeout=200ms",
                "management.endpoints.web.exposure.include=iowq",
        })
@EmbeddedKafka(partitions = 1, topics = {"ordered", "payments", "payments-dlt"},
        brokerProperties = "group.initial.rebalance.delay.ms=0", bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@Import({IoWqKafkaListenerTests.Ordered.class, IoWqKafkaListenerTests.Payments.class,
        IoWqKafkaListenerTests.ErrorHandling.class})
class IoWqKafkaListenerTests {

    static final int KEYS = 10;
    static final int PER_KEY = 20;

    /** Records each key's values in the order they ran, and how many records ran at once. */
    @Component
    static class Ordered {
        final Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostRunning = new AtomicInteger();
        final Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
        final AtomicInteger mostRunningPerKey = new AtomicInteger();

        @KafkaListener(id = "ordered", topics = "ordered", containerFactory = IoWqKafkaListenerContainerFactory.BEAN_NAME)
        void on(ConsumerRecord<String, String> record) throws InterruptedException {
            int now = running.incrementAndGet();
            mostRunning.accumulateAndGet(now, Math::max);
            int sameKey = runningPerKey.computeIfAbsent(record.key(), k -> new AtomicInteger()).incrementAndGet();
            mostRunningPerKey.accumulateAndGet(sameKey, Math::max);
            try {
                Thread.sleep(20); // blocks, as a handler calling a database would
                seen.computeIfAbsent(record.key(), k -> new CopyOnWriteArrayList<>()).add(Integer.valueOf(record.value()));
            } finally {
                runningPerKey.get(record.key()).decrementAndGet();
                running.decrementAndGet();
            }
        }
    }

    /** Fails every record of key "bad" until the error handler gives it up to the dead-letter topic. */
    @Component
    static class Payments {
        final Queue<String> handled = new ConcurrentLinkedQueue<>();
        final AtomicInteger badAttempts = new AtomicInteger();
        final Queue<String> deadLetters = new ConcurrentLinkedQueue<>();
        final AtomicLong goodDoneAtAttempts = new AtomicLong(-1);

        @KafkaListener(id = "payments", topics = "payments", containerFactory = IoWqKafkaListenerContainerFactory.BEAN_NAME)
        void on(ConsumerRecord<String, String> record) {
            if (record.value().startsWith("bad")) {
                badAttempts.incrementAndGet();
                throw new IllegalStateException("cannot post " + record.value());
            }
            handled.add(record.value());
            if (handled.stream().filter(v -> v.startsWith("good")).count() == 50) {
                goodDoneAtAttempts.compareAndSet(-1, badAttempts.get());
            }
        }

        @KafkaListener(id = "payments-dlt", topics = "payments-dlt")
        void dead(ConsumerRecord<String, String> record) {
            deadLetters.add(record.value());
        }
    }

    static class ErrorHandling {
        /** Three retries 300 ms apart, then the dead-letter topic: Spring Boot gives it to both factories. */
        @Bean
        CommonErrorHandler errorHandler(KafkaTemplate<Object, Object> template) {
            return new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template), new FixedBackOff(300, 3));
        }
    }

    @Autowired
    KafkaTemplate<String, String> template;
    @Autowired
    Ordered ordered;
    @Autowired
    Payments payments;
    @Autowired
    KafkaPartitions partitions;
    @Autowired
    MeterRegistry meters;
    @LocalServerPort
    int port;

    @Test
    void recordsOfOneKeyRunInOffsetOrderAndDifferentKeysInParallelInsideOnePartition() {
        for (int i = 0; i < PER_KEY; i++) {
            for (int k = 0; k < KEYS; k++) {
                template.send("ordered", "key-" + k, String.valueOf(i));
            }
        }
        template.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> ordered.seen.entrySet().stream()
                .filter(e -> e.getKey().startsWith("key-")).mapToInt(e -> e.getValue().size()).sum() == KEYS * PER_KEY);
        for (int k = 0; k < KEYS; k++) {
            assertThat(ordered.seen.get("key-" + k)).as("key-%d", k).isSorted().hasSize(PER_KEY);
        }
        assertThat(ordered.mostRunningPerKey).hasValue(1);
        assertThat(ordered.mostRunning.get()).as("records of one partition running at once").isGreaterThanOrEqualTo(5);
        int records = ordered.seen.values().stream().mapToInt(List::size).sum(); // with another test's, if it ran
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(partitions.partition("ordered", new TopicPartition("ordered", 0)))
                        .satisfies(p -> {
                            assertThat(p.committed()).isEqualTo(records);
                            assertThat(p.highestFinished()).isEqualTo(records - 1);
                            assertThat(p.inFlight()).isZero();
                        }));
    }

    @Test
    void aFailingRecordRetriesAndGoesToTheDeadLetterTopicHoldingBackOnlyItsKey() {
        template.send("payments", "bad", "bad-1");
        template.send("payments", "bad", "after-bad"); // same key: waits for bad-1 to be given up
        for (int i = 0; i < 50; i++) {
            template.send("payments", "acct-" + (i % 10), "good-" + i);
        }
        template.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> payments.deadLetters.contains("bad-1")
                && payments.handled.contains("after-bad"));
        assertThat(payments.badAttempts).hasValue(4);
        assertThat(payments.goodDoneAtAttempts.get()).as("bad attempts when the 50 good records were done")
                .isBetween(1L, 3L);
        assertThat(payments.handled).last().isEqualTo("after-bad");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(partitions.partition("payments", new TopicPartition("payments", 0)).committed())
                        .isEqualTo(52));
    }

    @Test
    void theEndpointAndTheMetersShowEachPartition() throws Exception {
        template.send("ordered", "shown", "0").get();
        await().atMost(Duration.ofSeconds(30)).until(() -> ordered.seen.containsKey("shown"));
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/iowq")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("\"bounded\":{", "\"submitted\":")
                .containsPattern("\"kafka\":\\{\"partitions\":\\[.*\\{\"topic\":\"ordered\",\"partition\":0,"
                        + "\"inFlight\":\\d+,\"committed\":\\d+,\"highestFinished\":-?\\d+}");
        assertThat(meters.get("iowq.kafka.partition.committed").tag("topic", "ordered").tag("partition", "0")
                .tag("group", "ordered").gauge().value()).isGreaterThanOrEqualTo(0);
        assertThat(meters.get("iowq.kafka.partition.in-flight").tag("topic", "ordered").gauge()).isNotNull();
        assertThat(meters.get("iowq.kafka.partition.highest-finished").tag("topic", "ordered").gauge()).isNotNull();
    }
}
