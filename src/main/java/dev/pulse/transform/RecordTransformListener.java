package dev.pulse.transform;

import dev.pulse.kafka.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.kafka.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;

/**
 * {@code input-topic} → {@code output-topic} (key as input; one output per valid record) and
 * {@code dead-letter-queue} (one per invalid record). Batches, exactly once: each poll's outputs and offsets are
 * one Kafka transaction ({@link TransactionalBatchRunner}); the transform is {@link TransformService}.
 */
@KafkaListener(groupId = "${pulse.listeners.transform.group-id:pulse-transform}", clientId = RecordTransformListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.transform.enabled", notEquals = "false")
public class RecordTransformListener implements ConsumerRebalanceListener {

    static final String NAME = "pulse-transform";

    private final TransformService service;
    private final TransactionalBatchRunner runner;
    private final ListenerHealth health;

    public RecordTransformListener(TransformService service, TransactionalBatchRunner runner, ListenerHealth health) {
        this.service = service;
        this.runner = runner;
        this.health = health;
    }

    @Topic(Topics.INPUT_TOPIC_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        runner.run(NAME, consumer, records, service::process);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        health.polling(NAME);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // nothing held per partition
    }
}
