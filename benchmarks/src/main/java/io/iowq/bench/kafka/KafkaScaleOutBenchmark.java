package io.iowq.bench.kafka;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import io.iowq.core.IoWqConfig;
import io.iowq.kafka.IoWqKafkaListenerContainerFactory;
import io.iowq.kafka.IoWqKafkaProperties;
import io.iowq.kafka.KafkaPartitions;
import io.iowq.kafka.RecordKey;
import io.iowq.spring.IoWqExecutor;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListener;

/**
 * Records per second of a handler that blocks 5 ms, 1,000 keys, with 1 and with 8 partitions:
 * iowq-kafka against Spring Kafka's default container (concurrency = partitions) and Confluent's
 * Parallel Consumer in key order, with peak threads and peak heap beside each figure. Needs a broker
 * ({@code source .ci/kafka}); not part of the benchmark harness or CI beyond compiling.
 * <p>
 * {@code java -cp benchmarks/target/classes:benchmarks/target/lib/* io.iowq.bench.kafka.KafkaScaleOutBenchmark
 * [records] [partitions...]} (defaults 20000 records, partitions 1 and 8). Each run produces
 * {@code records} records to a fresh topic, then consumes them all with one variant in a fresh group
 * and reports records handled per second from the first record handled to the last. The system
 * property {@code variants} picks variants (comma-separated; {@code spring-kafka,iowq-kafka,parallel-consumer}
 * by default); {@code iowq-kafka-observed} is iowq-kafka with {@code iowq.kafka.blocking=false}, the
 * pool learning of each block by observing it.
 */
public final class KafkaScaleOutBenchmark {

    private static final int KEYS = 1000;
    private static final long HANDLER_MILLIS = 5;

    private final String brokers;
    /** What one variant's run handled; a variant's late records after its run count in its own. */
    private static final class Count {
        final AtomicLong handled = new AtomicLong();
        final AtomicLong firstNanos = new AtomicLong();
    }

    private volatile Count count = new Count();

    private KafkaScaleOutBenchmark(String brokers) {
        this.brokers = brokers;
    }

    public static void main(String[] args) throws Exception {
        String brokers = System.getenv().getOrDefault("IOWQ_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        List<Integer> partitionCounts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            partitionCounts.add(Integer.parseInt(args[i]));
        }
        if (partitionCounts.isEmpty()) {
            partitionCounts = List.of(1, 8);
        }
        KafkaScaleOutBenchmark bench = new KafkaScaleOutBenchmark(brokers);
        System.out.printf("%-22s %10s %8s %12s %12s %12s%n", "variant", "partitions", "records", "records/s",
                "peak threads", "peak heap MB");
        for (int partitions : partitionCounts) {
            String topic = bench.topic(partitions, records);
            for (String variant : System.getProperty("variants", "spring-kafka,iowq-kafka,parallel-consumer").split(",")) {
                bench.run(variant, topic, partitions, records);
            }
        }
        System.exit(0); // a variant's client may leave threads behind that would keep the JVM (and the bench lock)
    }

    private void run(String variant, String topic, int partitions, int records) throws Exception {
        Count counted = new Count();
        count = counted;
        String group = variant + "-" + System.nanoTime();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        threads.resetPeakThreadCount();
        AtomicLong peakHeap = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0, 50, TimeUnit.MILLISECONDS);
        AutoCloseable consumer = switch (variant) {
            case "spring-kafka" -> springKafka(topic, group, partitions);
            case "iowq-kafka" -> iowqKafka(topic, group, partitions, true);
            case "iowq-kafka-observed" -> iowqKafka(topic, group, partitions, false);
            case "parallel-consumer" -> parallelConsumer(topic, group);
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        };
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (counted.handled.get() < records && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        long end = System.nanoTime();
        long done = counted.handled.get();
        consumer.close();
        sampler.shutdownNow();
        double seconds = (end - counted.firstNanos.get()) / 1e9;
        System.out.printf("%-22s %10d %8d %12.0f %12d %12d%n", variant, partitions, done, done / seconds,
                threads.getPeakThreadCount(), peakHeap.get() >> 20);
    }

    private static void handle(Count c) {
        c.firstNanos.compareAndSet(0, System.nanoTime());
        try {
            Thread.sleep(HANDLER_MILLIS); // a handler that blocks, as on a database call
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        c.handled.incrementAndGet();
    }

    private AutoCloseable springKafka(String topic, String group, int partitions) {
        ContainerProperties properties = new ContainerProperties(topic);
        properties.setGroupId(group);
        Count c = count;
        properties.setMessageListener((MessageListener<String, String>) r -> handle(c));
        ConcurrentMessageListenerContainer<String, String> container =
                new ConcurrentMessageListenerContainer<>(new DefaultKafkaConsumerFactory<>(consumerProperties()), properties);
        container.setConcurrency(partitions);
        container.start();
        return container::stop;
    }

    private AutoCloseable iowqKafka(String topic, String group, int partitions, boolean blocking) {
        IoWqExecutor executor = new IoWqExecutor(IoWqConfig.defaults());
        executor.start();
        IoWqKafkaProperties properties = new IoWqKafkaProperties();
        properties.setBlocking(blocking);
        IoWqKafkaListenerContainerFactory<String, String> factory =
                new IoWqKafkaListenerContainerFactory<>(executor, new KafkaPartitions(), RecordKey.recordKey(), properties);
        factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(consumerProperties()));
        factory.setConcurrency(partitions);
        ConcurrentMessageListenerContainer<String, String> container = factory.createContainer(topic);
        container.getContainerProperties().setGroupId(group);
        Count c = count;
        container.setupMessageListener((MessageListener<String, String>) r -> handle(c));
        container.start();
        return () -> {
            container.stop();
            executor.destroy();
        };
    }

    private AutoCloseable parallelConsumer(String topic, String group) {
        Map<String, Object> props = consumerProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        ParallelConsumerOptions<String, String> options = ParallelConsumerOptions.<String, String>builder()
                .ordering(ProcessingOrder.KEY)
                .maxConcurrency(KEYS)
                .consumer(consumer)
                .build();
        ParallelStreamProcessor<String, String> processor = ParallelStreamProcessor.createEosStreamProcessor(options);
        processor.subscribe(Set.of(topic));
        Count c = count;
        Consumer<Object> poll = context -> handle(c);
        processor.poll(poll::accept);
        return processor::close;
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> props = new java.util.HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return props;
    }

    private String topic(int partitions, int records) throws Exception {
        String topic = "bench-" + partitions + "-" + System.currentTimeMillis();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            for (int attempt = 0; ; attempt++) { // every partition led before producing to it
                try {
                    admin.listOffsets(latest).all().get();
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (attempt == 100) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.LINGER_MS_CONFIG, 5);
            AtomicLong failed = new AtomicLong();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < records; i++) {
                    producer.send(new ProducerRecord<>(topic, "key-" + (i % KEYS), String.valueOf(i)), (m, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                    });
                }
            }
            long produced = admin.listOffsets(latest).all().get().values().stream()
                    .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            if (failed.get() > 0 || produced != records) {
                throw new IllegalStateException("producing " + records + " records to " + topic + " failed for "
                        + failed.get() + "; the topic holds " + produced);
            }
        }
        return topic;
    }
}
