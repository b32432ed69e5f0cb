package io.iowq.kafka;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.iowq.actuate.IoWqEndpoint;
import java.util.List;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * Adds the {@code kafka} section to {@code GET /actuator/iowq}: beside the pool's figures, each
 * partition that iowq's Kafka listeners hold, with its records in flight, the offset released for
 * commit and the highest offset whose record has ended:
 * {@code "kafka":{"partitions":[{"topic","partition","inFlight","committed","highestFinished"}]}}.
 * The endpoint's other operations are its own.
 */
@EndpointWebExtension(endpoint = IoWqEndpoint.class)
public class IoWqKafkaEndpointWebExtension {

    private final IoWqEndpoint endpoint;
    private final KafkaPartitions partitions;

    /** The section over {@code partitions}, beside {@code endpoint}'s figures. */
    public IoWqKafkaEndpointWebExtension(IoWqEndpoint endpoint, KafkaPartitions partitions) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
    }

    /** {@code GET /actuator/iowq}: the pool's figures and the {@code kafka} section. */
    @ReadOperation
    public StatsWithKafka stats() {
        List<PartitionDescriptor> held = partitions.partitions().stream()
                .map(p -> new PartitionDescriptor(p.topic(), p.partition(), p.inFlight(), p.committed(),
                        p.highestFinished()))
                .toList();
        return new StatsWithKafka(endpoint.stats(), new KafkaDescriptor(held));
    }

    /**
     * The endpoint's figures with the {@code kafka} section beside them.
     *
     * @param stats the endpoint's own figures, unwrapped into this object
     * @param kafka the partitions
     */
    public record StatsWithKafka(@JsonUnwrapped IoWqEndpoint.StatsDescriptor stats, KafkaDescriptor kafka)
            implements OperationResponseBody {
    }

    /**
     * The {@code kafka} section.
     *
     * @param partitions the partitions held now
     */
    public record KafkaDescriptor(List<PartitionDescriptor> partitions) {
    }

    /**
     * One partition.
     *
     * @param topic           the topic
     * @param partition       the partition number
     * @param inFlight        records taken and not yet released for commit
     * @param committed       the offset released for commit
     * @param highestFinished the highest offset whose record has ended, {@code -1} if none
     */
    public record PartitionDescriptor(String topic, int partition, int inFlight, long committed,
                                      long highestFinished) {
    }
}
