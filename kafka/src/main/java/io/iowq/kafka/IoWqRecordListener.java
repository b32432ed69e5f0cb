package io.iowq.kafka;

import io.iowq.core.Blocking;
import io.iowq.core.Work;
import io.iowq.spring.IoWqExecutor;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * before the container commits: the records of the revoked partitions already taken, running or
 * waiting behind their key, get {@code revokeTimeout} to run and end (a failing one is not retried);
 * then those not started give up and running ones are interrupted. What ended is committed, by the
 * container and once more here, and the rest is left to the partition's next owner. Lost partitions
 * are given up at once.
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
    private final Map<TopicPartition, Waker> wakers = new ConcurrentHashMap<>();
    /** One per consumer of the container; weak, so that a closed consumer's goes with it. */
    private final Map<Consumer<?, ?>, Waker> consumerWakers = Collections.synchronizedMap(new WeakHashMap<>());
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
        wakers.putIfAbsent(tp, waker(consumer));
        Object recordKey = key.keyOf(record); // before the record is taken: a key that fails takes nothing
        PartitionOffsets offsets = partitions.open(group(), tp, this::offsets);
        if (!offsets.take(record.offset(), acknowledgment)) {
            return;
        }
        long offset = record.offset();
        Work<Object> work = executor.work(() -> {
            if (offsets.isGivingUp()) {
                // not started before its partition was given up: left to the partition's next owner
                throw new CancellationException("partition " + tp + " given up");
            }
            handle(record, offsets);
            return null;
        }).hashed(recordKey).describedAs(description(record));
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
                Waker waker = wakers.get(partition);
                if (waker != null) {
                    waker.wake(); // poll again now rather than after the poll timeout
                }
            }
        });
    }

    // ------------------------------------------------------------------ records (worker threads)

    /** Runs the container's listener on {@code record} until it returns or the error handler recovers it. */
    private void handle(ConsumerRecord<K, V> record, PartitionOffsets offsets) {
        for (;;) {
            try {
                if (properties.isBlocking()) {
                    Blocking.run(() -> invokeDelegate(record)); // its worker counts as blocked meanwhile
                } else {
                    invokeDelegate(record);
                }
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
                if (offsets.isGivingUp()) {
                    offsets.settled(record.offset()); // cancelled because its partition is given up: left to the next owner
                    return;
                }
                logger.warn("Skipped " + KafkaUtils.format(record) + ": its work was cancelled");
                offsets.ended(record.offset());
            }
            default -> {
                // failed: gave up or was revoked or stopped while the error handler was retrying; not released
                offsets.settled(record.offset());
                logger.debug("Not released " + KafkaUtils.format(record) + ": " + work.failure());
            }
        }
    }

    // ------------------------------------------------------------------ rebalance (consumer thread)

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        Waker waker = waker(consumer);
        waker.quiet(false);
        assigned.forEach(tp -> wakers.put(tp, waker));
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
        Map<TopicPartition, OffsetAndMetadata> released = release(revoked, properties.getRevokeTimeout());
        // no wake-up from a resumed partition until the container's commit is done: one would abort it
        waker(consumer).quiet(true);
        clearWakeup(consumer, revoked);
        commit(consumer, released);
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
            consumer.committed(new HashSet<>(revoked), Duration.ofSeconds(5));
        } catch (WakeupException e) {
            // taken
        } catch (RuntimeException e) {
            logger.debug("Could not look up the committed offsets of " + revoked, e);
        }
    }

    /**
     * Commits what the revoked partitions released, synchronously. The container commits the
     * acknowledgments it holds right after this, but not one it already tried: its commits in the
     * poll loop are asynchronous and may fail, and one that a wake-up (from a partition resumed on a
     * worker) aborted is lost to it.
     */
    private static void commit(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> released) {
        if (released.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(released);
        } catch (RuntimeException e) {
            logger.warn("Could not commit " + released + " on revocation; the container commits what it holds", e);
        }
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        waker(consumer).quiet(false);
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
     * Gives up {@code released}: every record of theirs already taken gets until {@code timeout} to
     * run and end, those waiting behind their key included (a record that fails meanwhile is not
     * retried); at the deadline, records not started give up when they start and running ones are
     * interrupted. Then the partitions are closed (nothing is acknowledged for them after this
     * returns). Returns, per partition, the offset released for commit.
     */
    private Map<TopicPartition, OffsetAndMetadata> release(Collection<TopicPartition> released, Duration timeout) {
        List<PartitionOffsets> revoked = new ArrayList<>();
        for (TopicPartition tp : released) {
            PartitionOffsets offsets = partitions.partitionOffsets(group(), tp);
            if (offsets != null) {
                offsets.revoking();
                revoked.add(offsets);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        for (PartitionOffsets offsets : revoked) {
            boolean settled = false;
            if (!interrupted) {
                try {
                    settled = offsets.awaitSettled(deadline);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (!settled) {
                int left = offsets.unsettled();
                List<Work<?>> running = offsets.giveUp();
                if (!timeout.isZero()) {
                    logger.warn(offsets.partition() + " is revoked and " + left + " of its records did not end within "
                            + timeout.toMillis() + " ms: they are left to its next owner, " + running.size()
                            + " running ones interrupted");
                }
                running.forEach(work -> work.cancel(true));
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (PartitionOffsets offsets : revoked) {
            long commit = offsets.close();
            if (commit >= 0) {
                commits.put(offsets.partition(), new OffsetAndMetadata(commit));
            }
            partitions.remove(group(), offsets.partition());
            wakers.remove(offsets.partition());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return commits;
    }

    /**
     * On the consumer thread just before it polls: if a partition resumed since its last poll, the
     * consumer is woken so that the poll returns at once and the container applies the resume,
     * rather than block for the poll timeout with the partition still paused.
     */
    void beforePoll(Consumer<?, ?> consumer) {
        Waker waker = consumerWakers.get(consumer);
        if (waker != null && waker.takeResumed()) {
            consumer.wakeup();
        }
    }

    private Waker waker(Consumer<?, ?> consumer) {
        return consumerWakers.computeIfAbsent(consumer, Waker::new);
    }

    /**
     * Wakes a consumer from its poll when a partition resumes, except while it is quiet (during a
     * revocation's commits). The container applies a resume after its next
     * poll returns, so a consumer whose partitions are all paused would otherwise wait out its poll
     * timeout. A wake-up that reaches the consumer outside its poll (in the container's commit, say)
     * is spent there, so a resume is also noted and the consumer woken again just before it polls.
     */
    private static final class Waker {
        private final WeakReference<Consumer<?, ?>> consumer; // weak: the map of wakers is keyed by it
        private boolean quiet;
        private boolean resumed;

        Waker(Consumer<?, ?> consumer) {
            this.consumer = new WeakReference<>(consumer);
        }

        /** A partition resumed (any thread). */
        synchronized void wake() {
            resumed = true;
            Consumer<?, ?> c = consumer.get();
            if (!quiet && c != null) {
                c.wakeup();
            }
        }

        /** Whether a partition resumed since the last call (consumer thread, before its poll). */
        synchronized boolean takeResumed() {
            boolean r = resumed && !quiet;
            resumed = false;
            return r;
        }

        synchronized void quiet(boolean quiet) {
            this.quiet = quiet;
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
