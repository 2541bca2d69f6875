package dev.pulse.alerts.temperature;

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
 * {@code device-thresholds} (compacted; key: device id; {@code {"threshold","hysteresis"}}, null restores the
 * default) → the device's threshold override in Redis, read by {@link TemperatureAlertService} from its next batch
 * on, no restart needed. Invalid records go to {@code dead-letter-queue} in the batch's transaction.
 */
@KafkaListener(groupId = "${pulse.listeners.thresholds.group-id:pulse-device-thresholds}", clientId = ThresholdListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.thresholds.enabled", notEquals = "false")
public class ThresholdListener extends BatchListener {

    static final String NAME = "pulse-device-thresholds";

    public ThresholdListener(TemperatureAlertService service, TransactionalBatchRunner runner, ListenerHealth health) {
        super(NAME, runner, health, service::applyThresholds);
    }

    @Topic(Topics.DEVICE_THRESHOLDS_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }
}
