package io.iowq.kafka;

import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * The iowq key a record runs under: records of one key run one at a time in offset order, records of
 * different keys in parallel. By default the record's Kafka key; a record without one runs under its
 * partition, so unkeyed records keep partition order as a plain Kafka consumer would.
 */
@FunctionalInterface
public interface RecordKey {

    /** The key of {@code record}; {@code null} stands for the record's partition. */
    Object of(ConsumerRecord<?, ?> record);

    /** The record's Kafka key. */
    static RecordKey recordKey() {
        return ConsumerRecord::key;
    }

    /**
     * A SpEL expression over the record, {@code #record} (for example {@code #record.value().account()}
     * or {@code #record.key()}), evaluated with Spring's read-only evaluation context.
     *
     * @throws IllegalArgumentException if the expression does not parse
     */
    static RecordKey expression(String expression) {
        Objects.requireNonNull(expression, "expression");
        Expression parsed;
        try {
            parsed = new SpelExpressionParser().parseExpression(expression);
        } catch (ParseException e) {
            throw new IllegalArgumentException("iowq.kafka.key: '" + expression + "' is not a SpEL expression: "
                    + e.getMessage(), e);
        }
        return record -> {
            EvaluationContext context = SimpleEvaluationContext.forReadOnlyDataBinding().withInstanceMethods().build();
            context.setVariable("record", record);
            return parsed.getValue(context);
        };
    }

    /**
     * The key {@code record} runs under: {@link #of}, or its partition where that is {@code null}; a
     * {@code byte[]} key is compared by content.
     */
    default Object keyOf(ConsumerRecord<?, ?> record) {
        Object key = of(record);
        if (key instanceof byte[] bytes) {
            return Bytes.wrap(bytes);
        }
        return key != null ? key : new TopicPartition(record.topic(), record.partition());
    }
}
