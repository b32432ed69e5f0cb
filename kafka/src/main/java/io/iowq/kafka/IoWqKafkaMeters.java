package io.iowq.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Per-partition gauges of iowq's Kafka listeners, tagged {@code group}, {@code topic} and
 * {@code partition}: {@code iowq.kafka.partition.in-flight} (records taken and not yet released for
 * commit), {@code iowq.kafka.partition.committed} (the offset released for commit) and
 * {@code iowq.kafka.partition.highest-finished} (the highest offset whose record has ended). A
 * partition's gauges come when it is taken up and go when it is revoked.
 */
public class IoWqKafkaMeters implements MeterBinder, KafkaPartitions.Listener {

    private final KafkaPartitions partitions;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Map<List<String>, List<Meter>> meters = new ConcurrentHashMap<>();

    /** Gauges over {@code partitions}. */
    public IoWqKafkaMeters(KafkaPartitions partitions) {
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        partitions.addListener(this);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        partitions.partitions().forEach(p -> added(p.group(), new TopicPartition(p.topic(), p.partition())));
    }

    @Override
    public void added(String group, TopicPartition partition) {
        Tags tags = Tags.of("group", group, "topic", partition.topic(), "partition",
                String.valueOf(partition.partition()));
        for (MeterRegistry registry : registries) {
            List<Meter> registered = List.of(
                    gauge(registry, "iowq.kafka.partition.in-flight", "records taken and not yet released for commit",
                            tags, group, partition, KafkaPartitions.Partition::inFlight),
                    gauge(registry, "iowq.kafka.partition.committed", "the offset released for commit",
                            tags, group, partition, KafkaPartitions.Partition::committed),
                    gauge(registry, "iowq.kafka.partition.highest-finished", "the highest offset whose record has ended",
                            tags, group, partition, KafkaPartitions.Partition::highestFinished));
            meters.computeIfAbsent(key(group, partition), k -> new CopyOnWriteArrayList<>()).addAll(registered);
        }
    }

    @Override
    public void removed(String group, TopicPartition partition) {
        List<Meter> registered = meters.remove(key(group, partition));
        if (registered != null) {
            for (Meter meter : registered) {
                registries.forEach(r -> r.remove(meter));
            }
        }
    }

    private Gauge gauge(MeterRegistry registry, String name, String description, Tags tags, String group,
                        TopicPartition partition, ToDoubleFunction<KafkaPartitions.Partition> value) {
        return Gauge.builder(name, partitions, ps -> {
                    KafkaPartitions.Partition p = ps.partition(group, partition);
                    return p == null ? Double.NaN : value.applyAsDouble(p);
                })
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private static List<String> key(String group, TopicPartition partition) {
        return List.of(group, partition.topic(), String.valueOf(partition.partition()));
    }
}
