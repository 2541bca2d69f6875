package dev.pulse.transform;

import dev.pulse.listeners.BatchListener;
import dev.pulse.listeners.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.listeners.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;

/**
 * {@code input-topic} → {@code output-topic} (key as input; one output per valid record) and
 * {@code dead-letter-queue} (one per invalid record). Batches, exactly once: each poll's outputs and offsets are
 * one Kafka transaction ({@link TransactionalBatchRunner}); the transform is {@link TransformService}.
 */
@KafkaListener(groupId = "${pulse.listeners.transform.group-id:pulse-transform}", clientId = RecordTransformListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.transform.enabled", notEquals = "false")
public class RecordTransformListener extends BatchListener {

    static final String NAME = "pulse-transform";

    public RecordTransformListener(TransformService service, TransactionalBatchRunner runner, ListenerHealth health) {
        super(NAME, runner, health, service::process);
    }

    @Topic(Topics.INPUT_TOPIC_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }
}
