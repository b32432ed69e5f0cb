package io.iowq.kafka;

import io.iowq.spring.IoWqExecutor;
import java.util.Collection;
import java.util.Objects;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.KafkaListenerEndpoint;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ContainerProperties.AckMode;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.TopicPartitionOffset;

/**
 * A listener container factory whose containers run each record on iowq, hashed by its
 * {@link RecordKey}: name it in {@code @KafkaListener(containerFactory = "iowqKafkaListenerContainerFactory")},
 * or create containers with {@link #createContainer(String...)} and give them a record listener.
 * Spring Boot's {@code spring.kafka.listener.*} and {@code spring.kafka.consumer.*} settings apply
 * as to Boot's own factory; on top of them every container gets
 * <ul>
 * <li>{@link AckMode#MANUAL}: iowq acknowledges each partition's records in offset order, as they
 *     end, so the container commits only offsets below which every record has ended; it commits
 *     asynchronously, and a revocation commits synchronously;</li>
 * <li>an {@link IoWqRecordListener} around the listener it is given, also as its rebalance listener
 *     (calling the application's own, if it has one);</li>
 * <li>a record interceptor ahead of the application's, if it has one, which passes every record on
 *     and tells iowq that the consumer is about to poll.</li>
 * </ul>
 * Record listeners only; not with Kafka transactions (commits are the container's, after work ends).
 * A listener method must not take an {@code Acknowledgment} or the {@code Consumer}: iowq owns the
 * commits, and the consumer belongs to its own thread.
 */
public class IoWqKafkaListenerContainerFactory<K, V> extends ConcurrentKafkaListenerContainerFactory<K, V> {

    /** The bean name iowq's auto-configuration gives the factory. */
    public static final String BEAN_NAME = "iowqKafkaListenerContainerFactory";

    private final IoWqExecutor executor;
    private final KafkaPartitions partitions;
    private final RecordKey key;
    private final IoWqKafkaProperties properties;

    /** A factory whose containers run records on {@code executor} under {@code key}. */
    public IoWqKafkaListenerContainerFactory(IoWqExecutor executor, KafkaPartitions partitions, RecordKey key,
                                             IoWqKafkaProperties properties) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        this.key = Objects.requireNonNull(key, "key");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    @Override
    protected ConcurrentMessageListenerContainer<K, V> createContainerInstance(KafkaListenerEndpoint endpoint) {
        TopicPartitionOffset[] assigned = endpoint.getTopicPartitionsToAssign();
        Collection<String> topics = endpoint.getTopics();
        ContainerProperties containerProperties;
        if (assigned != null && assigned.length > 0) {
            containerProperties = new ContainerProperties(assigned);
        } else if (topics != null && !topics.isEmpty()) {
            containerProperties = new ContainerProperties(topics.toArray(new String[0]));
        } else {
            containerProperties = new ContainerProperties(endpoint.getTopicPattern());
        }
        return new Container<>(getConsumerFactory(), containerProperties, this);
    }

    private IoWqRecordListener<K, V> wrap(Object listener, Container<K, V> container) {
        return new IoWqRecordListener<>(listener, container, executor, partitions, key, properties);
    }

    /**
     * Tells iowq's listener on the consumer thread just before each poll (a record interceptor's
     * thread-state hook, the only one the container has there); passes every record on as it is.
     */
    private record BeforePoll<K, V>(IoWqRecordListener<?, ?> listener) implements RecordInterceptor<K, V> {

        @Override
        public ConsumerRecord<K, V> intercept(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
            return record;
        }

        @Override
        public void setupThreadState(Consumer<?, ?> consumer) {
            listener.beforePoll(consumer);
        }
    }

    private static final Log logger = LogFactory.getLog(IoWqKafkaListenerContainerFactory.class);

    /** A failed commit is superseded by the next one, or by the revocation's own. */
    private static final OffsetCommitCallback COMMIT_CALLBACK = (offsets, exception) -> {
        if (exception != null) {
            logger.debug("Commit of " + offsets + " failed; the next commit or the revocation's supersedes it", exception);
        }
    };

    /** A container that runs whatever record listener it is given through iowq. */
    private static final class Container<K, V> extends ConcurrentMessageListenerContainer<K, V> {

        private final IoWqKafkaListenerContainerFactory<K, V> factory;
        private RecordInterceptor<K, V> installedInterceptor;

        Container(ConsumerFactory<? super K, ? super V> consumerFactory, ContainerProperties containerProperties,
                  IoWqKafkaListenerContainerFactory<K, V> factory) {
            super(consumerFactory, containerProperties);
            this.factory = factory;
        }

        @Override
        public void setupMessageListener(Object messageListener) {
            if (messageListener instanceof IoWqRecordListener) {
                super.setupMessageListener(messageListener);
                return;
            }
            super.setupMessageListener(factory.wrap(messageListener, this));
        }

        /**
         * Before the consumers start: commits by acknowledgment only, and iowq's listener as the
         * rebalance listener, calling the one the application set, if any.
         */
        @Override
        protected void doStart() {
            ContainerProperties containerProperties = getContainerProperties();
            if (!(containerProperties.getMessageListener() instanceof IoWqRecordListener<?, ?> listener)) {
                throw new IllegalStateException("container '" + getListenerId() + "' has no message listener");
            }
            if (containerProperties.getKafkaAwareTransactionManager() != null
                    || containerProperties.getTransactionManager() != null) {
                throw new IllegalStateException("iowq does not run listeners in Kafka transactions: container '"
                        + getListenerId() + "' has a transaction manager");
            }
            containerProperties.setAckMode(AckMode.MANUAL);
            containerProperties.setAsyncAcks(false);
            // the consumer thread hands records over and goes on polling rather than wait for each
            // commit; a revocation commits what its partitions released synchronously itself
            containerProperties.setSyncCommits(false);
            if (containerProperties.getCommitCallback() == null) {
                containerProperties.setCommitCallback(COMMIT_CALLBACK);
            }
            ConsumerRebalanceListener current = containerProperties.getConsumerRebalanceListener();
            if (current != listener) {
                listener.setApplicationRebalanceListener(current);
                containerProperties.setConsumerRebalanceListener(listener);
            }
            RecordInterceptor<K, V> interceptor = getRecordInterceptor();
            if (interceptor == null || interceptor != installedInterceptor) {
                RecordInterceptor<K, V> beforePoll = new BeforePoll<>(listener);
                installedInterceptor = interceptor == null ? beforePoll : new CompositeRecordInterceptor<>(beforePoll, interceptor);
                setRecordInterceptor(installedInterceptor);
            }
            super.doStart();
        }
    }
}
