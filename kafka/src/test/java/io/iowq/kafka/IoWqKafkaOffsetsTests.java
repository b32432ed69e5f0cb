package io.iowq.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqListener;
import io.iowq.core.Work;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * What iowq commits, against an in-process KRaft broker: committed offsets never pass a record that
 * has not ended, with consumers stopped at random points; a rebalance with work in flight hands each
 * record to exactly one owner; a partition pauses when too many of its records are in flight and
 * resumes when they end.
 */
@SpringBootTest(classes = KafkaTestApplication.class, properties = {
        "spring.kafka.consumer.auto-offset-reset=earliest",
        "spring.kafka.consumer.max-poll-records=10",
        "spring.kafka.listener.poll-timeout=200ms",
        "iowq.kafka.max-in-flight=20",
})
@EmbeddedKafka(partitions = 4, topics = {"stress", "rebalance", "pressure", "blocking"},
        brokerProperties = "group.initial.rebalance.delay.ms=0", bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@Import(IoWqKafkaOffsetsTests.SlowEndReports.class)
class IoWqKafkaOffsetsTests {

    @Autowired
    IoWqKafkaListenerContainerFactory<Object, Object> factory;
    @Autowired
    KafkaTemplate<String, String> template;
    @Autowired
    KafkaPartitions partitions;
    @Autowired
    IoWqExecutor executor;
    @Value("${spring.kafka.bootstrap-servers}")
    String brokers;

    private final List<ConcurrentMessageListenerContainer<String, String>> containers = new ArrayList<>();

    /** What a listener saw: the offsets it handled per partition, how often, and keys running at once. */
    static final class Seen {
        final Map<TopicPartition, NavigableSet<Long>> handled = new ConcurrentHashMap<>();
        final AtomicInteger handlings = new AtomicInteger();
        final Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
        final AtomicInteger sameKeyAtOnce = new AtomicInteger();

        void enter(ConsumerRecord<String, String> record) {
            if (runningPerKey.computeIfAbsent(record.key(), k -> new AtomicInteger()).incrementAndGet() > 1) {
                sameKeyAtOnce.incrementAndGet();
            }
        }

        void exit(ConsumerRecord<String, String> record) {
            handled.computeIfAbsent(new TopicPartition(record.topic(), record.partition()),
                    tp -> new ConcurrentSkipListSet<>()).add(record.offset());
            handlings.incrementAndGet();
            runningPerKey.get(record.key()).decrementAndGet();
        }

        int distinct() {
            return handled.values().stream().mapToInt(NavigableSet::size).sum();
        }

        /** The lowest offset of {@code tp} not handled. */
        long lowestUnhandled(TopicPartition tp) {
            NavigableSet<Long> offsets = handled.getOrDefault(tp, new ConcurrentSkipListSet<>());
            long next = 0;
            while (offsets.contains(next)) {
                next++;
            }
            return next;
        }
    }

    /** Slows down the pool's report of each end of a record of the topic "rebalance" (see that test). */
    @TestConfiguration(proxyBeanMethods = false)
    static class SlowEndReports {
        @Bean
        IoWqListener slowEndReports() {
            return new IoWqListener() {
                @Override
                public void workEnded(Work<?> work, long waitNanos, long runNanos) {
                    if (work.description() != null && work.description().contains(" rebalance-")) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                }
            };
        }
    }

    @AfterEach
    void stopContainers() {
        containers.forEach(c -> c.stop());
    }

    @Test
    void committedOffsetsNeverPassAnUnfinishedRecordWhileConsumersStopAtRandom() throws Exception {
        long seed = System.nanoTime();
        System.out.println("IoWqKafkaOffsetsTests stress seed " + seed);
        Random random = new Random(seed);
        int rounds = 8;
        int perRound = 500;
        int records = rounds * perRound;
        Seen seen = new Seen();
        MessageListener<String, String> listener = record -> {
            seen.enter(record);
            try {
                // mostly quick, one in ten slow: later keys end while earlier ones still run or wait
                int micros = random.nextInt(10) == 0 ? 20_000 + random.nextInt(80_000) : random.nextInt(2000);
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(micros));
            } finally {
                seen.exit(record);
            }
        };
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < perRound; i++) {
                template.send("stress", "key-" + random.nextInt(100), String.valueOf(round * perRound + i));
            }
            template.flush();
            ConcurrentMessageListenerContainer<String, String> container = start("stress", "stress", listener, 2);
            Thread.sleep(300 + random.nextInt(1200)); // a random point of the run to stop at
            container.stop();
            Map<TopicPartition, OffsetAndMetadata> committed = committed("stress");
            for (Map.Entry<TopicPartition, OffsetAndMetadata> c : committed.entrySet()) {
                assertThat(c.getValue().offset()).as("round %d: %s committed", round, c.getKey())
                        .isLessThanOrEqualTo(seen.lowestUnhandled(c.getKey()));
            }
            System.out.println("round " + round + ": handled " + seen.distinct() + " records, committed " + committed);
        }
        start("stress", "stress", listener, 2);
        await().atMost(Duration.ofSeconds(120)).until(() -> seen.distinct() == records);
        Map<TopicPartition, Long> ends = ends("stress");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = committed("stress");
            ends.forEach((tp, end) -> assertThat(committed.get(tp).offset()).as("%s", tp).isEqualTo(end));
        });
        ends.forEach((tp, end) -> assertThat(seen.lowestUnhandled(tp)).as("%s: no offset skipped", tp).isEqualTo(end));
        assertThat(seen.sameKeyAtOnce).hasValue(0);
        System.out.println("stress: " + seen.handlings.get() + " handlings of " + records + " records");
    }

    /**
     * The records taken when a partition is revoked, running or waiting behind their key, end before
     * the commit, and each is handled by one owner only. The pool ends an item (its {@code get}
     * returns) before it runs the item's {@code whenDone} actions, where iowq-kafka learns of the
     * end; {@link SlowEndReports} widens that window to 20 ms for this topic's records, so that a
     * revocation that waits for the work only, not for the report, hands records to both owners.
     */
    @Test
    void aRebalanceWithWorkInFlightHandsEachRecordToOneOwner() throws Exception {
        // 40 keys of 30 records, 100 ms each, and 200 ms for the first 8 keys: about 6 s of work when all
        // keys run at once. The slow keys' records wait behind one another while later records of other
        // keys end: a revocation that let records waiting behind their key give up would commit below
        // those, and the next owner would handle them again.
        int records = 1200;
        for (int i = 0; i < records; i++) {
            template.send("rebalance", "key-" + (i % 40), String.valueOf(i));
        }
        template.flush();
        Seen seen = new Seen();
        MessageListener<String, String> listener = record -> {
            seen.enter(record);
            try {
                Thread.sleep(Integer.parseInt(record.key().substring(4)) < 8 ? 200 : 100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                seen.exit(record);
            }
        };
        start("rebalance", "rebalance", listener, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.distinct() >= 40);
        int handledBefore = seen.distinct();
        int inFlight = partitions.partitions().stream().filter(p -> p.topic().equals("rebalance"))
                .mapToInt(KafkaPartitions.Partition::inFlight).sum();
        start("rebalance", "rebalance", listener, 1); // a second instance joins: the group rebalances
        await().atMost(Duration.ofSeconds(90)).until(() -> seen.distinct() == records);
        System.out.println("rebalance: " + handledBefore + " records handled and " + inFlight
                + " in flight when the second consumer joined, " + seen.handlings.get() + " handlings");
        assertThat(inFlight).as("records in flight when the second consumer joined").isPositive();
        assertThat(seen.handlings).as("each record handled once").hasValue(records);
        assertThat(seen.sameKeyAtOnce).hasValue(0);
        assertThat(partitions.partitions().stream().filter(p -> p.topic().equals("rebalance")))
                .as("both consumers hold partitions").hasSizeGreaterThanOrEqualTo(2);
        assertThat(handledBefore).as("the rebalance came with work left").isLessThan(records / 2);
    }

    @Test
    void aPartitionPausesWithTooManyRecordsInFlightAndResumesWhenTheyEnd() throws Exception {
        TopicPartition tp = new TopicPartition("pressure", 0);
        int records = 200;
        for (int i = 0; i < records; i++) {
            template.send("pressure", 0, "key-" + i, String.valueOf(i));
        }
        template.flush();
        CountDownLatch gate = new CountDownLatch(1);
        Seen seen = new Seen();
        MessageListener<String, String> listener = record -> {
            seen.enter(record);
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                seen.exit(record);
            }
        };
        ConcurrentMessageListenerContainer<String, String> container = start("pressure", "pressure", listener, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> container.isPartitionPaused(tp));
        // max-in-flight 20, and a poll under way may add max-poll-records (10)
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(partitions.partition("pressure", tp).inFlight()).isBetween(20, 30));
        assertThat(partitions.partition("pressure", tp).paused()).isTrue();
        assertThat(seen.distinct()).isZero();
        gate.countDown();
        await().atMost(Duration.ofSeconds(60)).until(() -> seen.distinct() == records);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(partitions.partition("pressure", tp).committed()).isEqualTo(records);
            assertThat(container.isPartitionPaused(tp)).isFalse();
        });
    }

    /**
     * A handler runs as a blocking call ({@code iowq.kafka.blocking}, by default): its worker counts
     * as blocked from its first instruction, so the pool need not observe the block to wake another
     * worker. This handler only computes, so no sample would ever take it for blocked.
     */
    @Test
    void aRecordsHandlerRunsAsABlockingCall() throws Exception {
        AtomicInteger blockedWhileHandling = new AtomicInteger(-1);
        CountDownLatch handled = new CountDownLatch(1);
        template.send("blocking", "key", "value");
        template.flush();
        start("blocking", "blocking", record -> {
            blockedWhileHandling.set(executor.stats().unbounded().blocked());
            handled.countDown();
        }, 1);
        assertThat(handled.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(blockedWhileHandling.get()).as("unbound workers counted blocked while the handler ran").isPositive();
    }

    private ConcurrentMessageListenerContainer<String, String> start(String topic, String group,
            MessageListener<String, String> listener, int concurrency) {
        @SuppressWarnings("unchecked")
        ConcurrentMessageListenerContainer<String, String> container = (ConcurrentMessageListenerContainer<String, String>)
                (ConcurrentMessageListenerContainer<?, ?>) factory.createContainer(topic);
        container.getContainerProperties().setGroupId(group);
        container.setConcurrency(concurrency);
        container.setupMessageListener(listener);
        container.start();
        containers.add(container);
        return container;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
            offsets.values().removeIf(java.util.Objects::isNull);
            return offsets;
        }
    }

    private Map<TopicPartition, Long> ends(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < 4; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }
}
