package io.iowq.kafka;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * The partitions that iowq's Kafka listeners hold now, across every listener container, with their
 * offsets: what the {@code iowq} endpoint's {@code kafka} section and the {@code iowq.kafka.*} meters
 * show. A partition appears when its first record is taken and disappears when it is revoked or lost.
 */
public class KafkaPartitions {

    /**
     * One partition as a consumer group holds it now.
     *
     * @param group           the consumer group
     * @param topic           the topic
     * @param partition       the partition number
     * @param inFlight        records taken from Kafka whose offsets are not yet released for commit:
     *                        running, waiting behind their key, or ended behind an earlier record
     *                        that has not
     * @param committed       the offset released for commit: every record before it has ended (the
     *                        container commits it at its next poll)
     * @param highestFinished the highest offset whose record has ended, {@code -1} if none has
     * @param paused          whether the partition is paused for having too many records in flight
     */
    public record Partition(String group, String topic, int partition, int inFlight, long committed,
                            long highestFinished, boolean paused) {
    }

    /** Is told when a partition appears and disappears. */
    public interface Listener {
        /** {@code partition} of {@code group} was taken up. */
        void added(String group, TopicPartition partition);

        /** {@code partition} of {@code group} was revoked or lost. */
        void removed(String group, TopicPartition partition);
    }

    private record Key(String group, TopicPartition partition) {
    }

    private final Map<Key, PartitionOffsets> partitions = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    /** Tells {@code listener} of every partition that appears or disappears from now on. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Every partition held now, by group, topic and partition. */
    public List<Partition> partitions() {
        return partitions.entrySet().stream()
                .map(e -> partition(e.getKey().group(), e.getValue().snapshot()))
                .sorted(Comparator.comparing(Partition::group).thenComparing(Partition::topic)
                        .thenComparingInt(Partition::partition))
                .toList();
    }

    /** {@code partition} of {@code group} as it is now, or {@code null} if it is not held. */
    public Partition partition(String group, TopicPartition partition) {
        PartitionOffsets offsets = partitions.get(new Key(group, partition));
        return offsets == null ? null : partition(group, offsets.snapshot());
    }

    PartitionOffsets open(String group, TopicPartition partition, Function<TopicPartition, PartitionOffsets> factory) {
        Key key = new Key(group, partition);
        PartitionOffsets existing = partitions.get(key);
        if (existing != null) {
            return existing;
        }
        PartitionOffsets created = factory.apply(partition);
        PartitionOffsets raced = partitions.putIfAbsent(key, created);
        if (raced != null) {
            return raced;
        }
        listeners.forEach(l -> l.added(group, partition));
        return created;
    }

    PartitionOffsets partitionOffsets(String group, TopicPartition partition) {
        return partitions.get(new Key(group, partition));
    }

    PartitionOffsets remove(String group, TopicPartition partition) {
        PartitionOffsets removed = partitions.remove(new Key(group, partition));
        if (removed != null) {
            listeners.forEach(l -> l.removed(group, partition));
        }
        return removed;
    }

    private static Partition partition(String group, PartitionOffsets.Snapshot s) {
        return new Partition(group, s.partition().topic(), s.partition().partition(), s.inFlight(), s.committed(),
                s.highestFinished(), s.paused());
    }
}
