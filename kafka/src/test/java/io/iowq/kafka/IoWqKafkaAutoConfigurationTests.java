package io.iowq.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.iowq.autoconfigure.InvalidIoWqPropertyException;
import io.iowq.autoconfigure.IoWqAutoConfiguration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.annotation.EnableKafka;

class IoWqKafkaAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(IoWqAutoConfiguration.class, KafkaAutoConfiguration.class,
                    IoWqKafkaAutoConfiguration.class, IoWqKafkaActuatorAutoConfiguration.class));

    @Test
    void withSpringKafkaTheFactoryThePartitionsAndTheMetersAreThere() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(IoWqKafkaListenerContainerFactory.BEAN_NAME))
                    .isInstanceOf(IoWqKafkaListenerContainerFactory.class);
            assertThat(context).hasSingleBean(KafkaPartitions.class).hasSingleBean(IoWqKafkaMeters.class);
            assertThat(context).hasBean("kafkaListenerContainerFactory"); // Boot's own stays
        });
    }

    @Test
    void withoutSpringKafkaTheStarterStartsWithoutIt() {
        runner.withClassLoader(new FilteredClassLoader(EnableKafka.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(KafkaPartitions.class)
                    .doesNotHaveBean(IoWqKafkaListenerContainerFactory.BEAN_NAME);
        });
    }

    @Test
    void aKeyExpressionIsEvaluatedOverTheRecord() {
        runner.withPropertyValues("iowq.kafka.key=#record.value().substring(0, 4)").run(context -> {
            RecordKey key = context.getBean(RecordKey.class);
            assertThat(key.keyOf(new ConsumerRecord<>("t", 0, 0, "k", "acct-7:1250"))).isEqualTo("acct");
            assertThat(RecordKey.recordKey().keyOf(new ConsumerRecord<>("t", 3, 0, null, "v")))
                    .hasToString("t-3");
        });
    }

    @Test
    void valuesOutOfRangeStopStartUpNamingTheProperty() {
        runner.withPropertyValues("iowq.kafka.max-in-flight=0").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidIoWqPropertyException.class)
                        .hasMessageContaining("iowq.kafka.max-in-flight"));
        runner.withPropertyValues("iowq.kafka.key=#record.(").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidIoWqPropertyException.class)
                        .hasMessageContaining("iowq.kafka.key"));
        runner.withPropertyValues("iowq.kafka.revoke-timeout=-1s").run(context ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidIoWqPropertyException.class)
                        .hasMessageContaining("iowq.kafka.revoke-timeout"));
    }
}
