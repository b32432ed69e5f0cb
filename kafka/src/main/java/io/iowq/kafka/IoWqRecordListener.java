package io.iowq.kafka;

import io.iowq.core.Work;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.springframework.kafka.listener.AcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.AcknowledgingMessageListener;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConsumerAwareMessageListener;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.kafka.support.KafkaUtils;

/**
 * The message listener that iowq puts in a listener container: on the consumer thread it takes each
 * record, notes its offset in the partition's {@link PartitionOffsets}, and hands the container's own
 * listener (for a {@code @KafkaListener}, Spring Kafka's adapter around the method) to iowq as hashed
 * work under the record's {@link RecordKey}. Records of one key run in offset order; different keys
 * run in parallel, on a pool that grows when handlers block.
 * <p>
 * <b>Ending.</b> A record ends when its handler returns, or when the container's error handler
 * ({@link DefaultErrorHandler} unless one is set: back-off, retries, dead-letter recoverer) has
 * recovered it; while it retries, the worker keeps the record's key, so only that key waits. A
 * record whose work an operator cancels (through the {@code iowq} endpoint) ends as skipped, with a
 * warning. Ended records release their offsets for commit in offset order.
 * <p>
 * <b>Rebalance.</b> As the rebalance listener too, it handles revocation on the consumer thread
 * before the container commits: records of the revoked partitions that have not started give up
 * when they start, running ones get {@code revokeTimeout} to end and are then interrupted; what
 * ended is committed, the rest is left to the partition's next owner. Lost partitions are given up
 * at once.
 * The application's own rebalance listener, if it has one, is called as the container would.
 */
final class IoWqRecordListener<K, V> implements AcknowledgingConsumerAwareMessageListener<K, V>,
        ConsumerAwareRebalanceListener {

    private static final Log logger = LogFactory.getLog(IoWqRecordListener.class);

    private final Object delegate;
    private final AbstractMessageListenerContainer<K, V> container;
    private final IoWqExecutor executor;
    private final KafkaPartitions partitions;
    private final RecordKey key;
    private final IoWqKafkaProperties properties;
    private volatile ConsumerRebalanceListener userRebalanceListener;
    private final Map<TopicPartition, Consumer<?, ?>> consumers = new ConcurrentHashMap<>();
    private volatile CommonErrorHandler defaultErrorHandler;

    IoWqRecordListener(Object delegate, AbstractMessageListenerContainer<K, V> container, IoWqExecutor executor,
                       KafkaPartitions partitions, RecordKey key, IoWqKafkaProperties properties) {
        if (!(delegate instanceof MessageListener || delegate instanceof AcknowledgingMessageListener
                || delegate instanceof ConsumerAwareMessageListener
                || delegate instanceof AcknowledgingConsumerAwareMessageListener)) {
            throw new IllegalStateException("iowq runs record listeners only; container '" + container.getListenerId()
                    + "' has " + (delegate == null ? "no listener" : delegate.getClass().getName())
                    + " (batch listeners are not supported)");
        }
        this.delegate = delegate;
        this.container = Objects.requireNonNull(container, "container");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        this.key = Objects.requireNonNull(key, "key");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    /** The application's own rebalance listener, called as the container would call it; may be {@code null}. */
    void setApplicationRebalanceListener(ConsumerRebalanceListener listener) {
        this.userRebalanceListener = listener;
    }

    // ------------------------------------------------------------------ records (consumer thread)

    @Override
    public void onMessage(ConsumerRecord<K, V> record, Acknowledgment acknowledgment, Consumer<?, ?> consumer) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        consumers.putIfAbsent(tp, consumer);
        PartitionOffsets offsets = partitions.open(group(), tp, this::offsets);
        if (!offsets.take(record.offset(), acknowledgment)) {
            return;
        }
        long offset = record.offset();
        Work<Object> work = executor.work(() -> {
            if (offsets.isRevoking()) {
                // not started before its partition was given up: left to the partition's next owner
                throw new CancellationException("partition " + tp + " revoked");
            }
            handle(record, offsets);
            return null;
        }).hashed(key.keyOf(record)).describedAs(description(record));
        if (properties.isUnbound()) {
            work.unbound();
        }
        work.whenDone(() -> ended(record, offsets, work));
        executor.enqueue(work);
        offsets.handedOver(offset, work);
    }

    @Override
    public void onMessage(ConsumerRecord<K, V> data) {
        throw new UnsupportedOperationException("the container calls onMessage(record, acknowledgment, consumer)");
    }

    private PartitionOffsets offsets(TopicPartition tp) {
        return new PartitionOffsets(tp, properties.getMaxInFlight(), new PartitionOffsets.FlowControl() {
            @Override
            public void pause(TopicPartition partition) {
                container.pausePartition(partition);
            }

            @Override
            public void resume(TopicPartition partition) {
                container.resumePartition(partition);
                Consumer<?, ?> consumer = consumers.get(partition);
                if (consumer != null) {
                    consumer.wakeup(); // poll again now rather than after the poll timeout
                }
            }
        });
    }

    // ------------------------------------------------------------------ records (worker threads)

    /** Runs the container's listener on {@code record} until it returns or the error handler recovers it. */
    private void handle(ConsumerRecord<K, V> record, PartitionOffsets offsets) {
        for (;;) {
            try {
                invokeDelegate(record);
                return;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted() || offsets.isRevoking() || !container.isRunning()) {
                    throw e; // cancelled or revoked: the record is left to the partition's next owner
                }
                boolean recovered = errorHandler().handleOne(e, record, null, container);
                if (recovered) {
                    return;
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void invokeDelegate(ConsumerRecord<K, V> record) {
        if (delegate instanceof AcknowledgingConsumerAwareMessageListener<?, ?> l) {
            ((AcknowledgingConsumerAwareMessageListener<K, V>) l).onMessage(record, null, null);
        } else if (delegate instanceof ConsumerAwareMessageListener<?, ?> l) {
            ((ConsumerAwareMessageListener<K, V>) l).onMessage(record, (Consumer<?, ?>) null);
        } else if (delegate instanceof AcknowledgingMessageListener<?, ?> l) {
            ((AcknowledgingMessageListener<K, V>) l).onMessage(record, (Acknowledgment) null);
        } else {
            ((MessageListener<K, V>) delegate).onMessage(record);
        }
    }

    private CommonErrorHandler errorHandler() {
        CommonErrorHandler handler = container.getCommonErrorHandler();
        if (handler != null) {
            return handler;
        }
        CommonErrorHandler fallback = defaultErrorHandler;
        if (fallback == null) {
            fallback = new DefaultErrorHandler(); // what the container itself uses when none is set
            defaultErrorHandler = fallback;
        }
        return fallback;
    }

    private void ended(ConsumerRecord<K, V> record, PartitionOffsets offsets, Work<?> work) {
        switch (work.state()) {
            case COMPLETED -> offsets.ended(record.offset());
            case CANCELLED -> {
                if (offsets.isRevoking()) {
                    return; // cancelled because its partition is given up: left to the next owner
                }
                logger.warn("Skipped " + KafkaUtils.format(record) + ": its work was cancelled");
                offsets.ended(record.offset());
            }
            default -> {
                // failed: revoked or stopped while the error handler was retrying; not released
                logger.debug("Not released " + KafkaUtils.format(record) + ": " + work.failure());
            }
        }
    }

    // ------------------------------------------------------------------ rebalance (consumer thread)

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        assigned.forEach(tp -> consumers.put(tp, consumer));
        if (userRebalanceListener instanceof ConsumerAwareRebalanceListener l) {
            l.onPartitionsAssigned(consumer, assigned);
        } else if (userRebalanceListener != null) {
            userRebalanceListener.onPartitionsAssigned(assigned);
        }
    }

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        if (userRebalanceListener instanceof ConsumerAwareRebalanceListener l) {
            l.onPartitionsRevokedBeforeCommit(consumer, revoked);
        } else if (userRebalanceListener != null) {
            userRebalanceListener.onPartitionsRevoked(revoked);
        }
        release(revoked, properties.getRevokeTimeout());
        clearWakeup(consumer, revoked);
    }

    /**
     * Takes a wake-up that a resumed partition left pending, so that it cannot abort the commit the
     * container makes next: a consumer woken in {@code commitSync} gives up that commit.
     */
    private static void clearWakeup(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        if (revoked.isEmpty()) {
            return;
        }
        try {
            consumer.committed(new java.util.HashSet<>(revoked), Duration.ofSeconds(5));
        } catch (WakeupException e) {
            // taken
        } catch (RuntimeException e) {
            logger.debug("Could not look up the committed offsets of " + revoked, e);
        }
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        if (userRebalanceListener instanceof ConsumerAwareRebalanceListener l) {
            l.onPartitionsRevokedAfterCommit(consumer, revoked);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> lost) {
        release(lost, Duration.ZERO);
        if (userRebalanceListener instanceof ConsumerAwareRebalanceListener l) {
            l.onPartitionsLost(consumer, lost);
        } else if (userRebalanceListener != null) {
            userRebalanceListener.onPartitionsLost(lost);
        }
    }

    /**
     * Gives up {@code released}: their records that have not started give up when they do, running
     * ones get {@code timeout} to end and are then interrupted; then the partitions are closed
     * (nothing is acknowledged for them after this returns). Queued records are not cancelled in the
     * pool, since a cancel there would also end a record that has just started, while its handler
     * still runs.
     */
    private void release(Collection<TopicPartition> released, Duration timeout) {
        List<PartitionOffsets> closing = new ArrayList<>();
        List<Work<?>> running = new ArrayList<>();
        for (TopicPartition tp : released) {
            PartitionOffsets offsets = partitions.partitionOffsets(group(), tp);
            if (offsets == null) {
                continue;
            }
            closing.add(offsets);
            for (Work<?> work : offsets.revoking()) {
                if (!work.isDone()) {
                    running.add(work); // a queued one gives up at once when it starts
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Work<?> work : running) {
            try {
                work.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                logger.warn("Interrupting " + work.description() + ": its partition is revoked and it did not end within "
                        + timeout.toMillis() + " ms; the record is left to the partition's next owner");
                work.cancel(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                work.cancel(true);
            } catch (ExecutionException | CancellationException e) {
                // ended; its offset was released if it was handled
            }
        }
        for (PartitionOffsets offsets : closing) {
            offsets.close();
            partitions.remove(group(), offsets.partition());
            consumers.remove(offsets.partition());
        }
    }

    private String group() {
        String group = container.getGroupId();
        return group != null ? group : "";
    }

    private String description(ConsumerRecord<K, V> record) {
        return container.getListenerId() + " " + KafkaUtils.format(record);
    }
}
