package dev.pulse.alerts.temperature;

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
 * {@code device-thresholds} (compacted; key: device id; {@code {"threshold","hysteresis"}}, null restores the
 * default) → the device's threshold override in Redis, read by {@link TemperatureAlertService} from its next batch
 * on, no restart needed. Invalid records go to {@code dead-letter-queue} in the batch's transaction.
 */
@KafkaListener(groupId = "${pulse.listeners.thresholds.group-id:pulse-device-thresholds}", clientId = ThresholdListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.thresholds.enabled", notEquals = "false")
public class ThresholdListener implements ConsumerRebalanceListener {

    static final String NAME = "pulse-device-thresholds";

    private final TemperatureAlertService service;
    private final TransactionalBatchRunner runner;
    private final ListenerHealth health;

    public ThresholdListener(TemperatureAlertService service, TransactionalBatchRunner runner, ListenerHealth health) {
        this.service = service;
        this.runner = runner;
        this.health = health;
    }

    @Topic(Topics.DEVICE_THRESHOLDS_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        runner.run(NAME, consumer, records, service::applyThresholds);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        health.polling(NAME);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // nothing held per partition: state is in Redis, offsets in Kafka
    }
}
