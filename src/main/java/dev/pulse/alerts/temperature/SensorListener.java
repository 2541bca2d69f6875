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
 * {@code real-time-data} → {@code temperature-alerts} (key: device id; one RAISED and one CLEARED per excursion)
 * and {@code dead-letter-queue}. Batches, exactly once: each poll's alerts, dead letters and offsets are one Kafka
 * transaction ({@link TransactionalBatchRunner}); the state machine is {@link TemperatureAlertService}.
 */
@KafkaListener(groupId = "${pulse.listeners.sensor.group-id:pulse-temperature-alerts}", clientId = SensorListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.sensor.enabled", notEquals = "false")
public class SensorListener extends BatchListener {

    static final String NAME = "pulse-temperature-alerts";
    /** The annotation's group, for the service's progress keys (infra's tests read the annotation as written). */
    static final String GROUP_ID = "${pulse.listeners.sensor.group-id:pulse-temperature-alerts}";

    public SensorListener(TemperatureAlertService service, TransactionalBatchRunner runner, ListenerHealth health) {
        super(NAME, runner, health, service::process);
    }

    @Topic(Topics.REAL_TIME_DATA_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }
}
