package dev.pulse.alerts.temperature;

import dev.pulse.listeners.BatchListener;
import dev.pulse.listeners.ListenerHealth;
import dev.pulse.kafka.Topics;
import dev.pulse.listeners.TransactionalBatchRunner;
import io.micronaut.configuration.kafka.ConsumerAware;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.OffsetStrategy;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code device-thresholds} (compacted; key: device id; {@code {"threshold","hysteresis"}}, null restores the
 * default) → the device's threshold override in Redis, without expiry, read by {@link TemperatureAlertService} from
 * its next batch on, no restart needed. Invalid records go to {@code dead-letter-queue} in the batch's transaction.
 * Every partition it is given is read from its beginning, so the overrides are rebuilt from the topic at every start
 * ({@link ThresholdService} skips what is already applied).
 */
@KafkaListener(groupId = "${pulse.listeners.thresholds.group-id:pulse-device-thresholds}", clientId = ThresholdListener.NAME,
    batch = true, offsetReset = OffsetReset.EARLIEST, offsetStrategy = OffsetStrategy.DISABLED,
    isolation = IsolationLevel.READ_COMMITTED)
@Requires(property = "pulse.listeners.thresholds.enabled", notEquals = "false")
public class ThresholdListener extends BatchListener implements ConsumerAware<byte[], byte[]> {

    static final String NAME = "pulse-device-thresholds";
    /** The annotation's group, for the service's progress keys (infra's tests read the annotation as written). */
    static final String GROUP_ID = "${pulse.listeners.thresholds.group-id:pulse-device-thresholds}";

    private static final Logger LOG = LoggerFactory.getLogger(ThresholdListener.class);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private final ThresholdService service;
    private volatile Consumer<byte[], byte[]> consumer;

    public ThresholdListener(ThresholdService service, TransactionalBatchRunner runner, ListenerHealth health) {
        super(NAME, runner, health, service::apply);
        this.service = service;
    }

    @Override
    public void setKafkaConsumer(Consumer<byte[], byte[]> consumer) {
        super.setKafkaConsumer(consumer); // the runner creates the partitions' producers with it on assignment
        this.consumer = consumer;
    }

    @Topic(Topics.DEVICE_THRESHOLDS_PROPERTY)
    void receive(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        handle(records, consumer);
    }

    @Override
    protected void afterBatch(ConsumerRecords<byte[], byte[]> records, Consumer<byte[], byte[]> consumer) {
        for (TopicPartition partition : records.partitions()) {
            // A failed batch goes back to the committed offset, past what is still to be read again.
            if (service.rereadCutShort(partition, consumer.position(partition))) {
                consumer.seekToBeginning(List.of(partition));
            }
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        super.onPartitionsAssigned(partitions);
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
        try {
            committed = consumer.committed(new HashSet<>(partitions), COMMITTED_TIMEOUT);
        } catch (WakeupException | InterruptException stopping) {
            throw stopping; // the context is closing: swallowed, the consumer's poll loop would never end
        } catch (RuntimeException e) {
            // Unknown: dead letters of records read again may be written twice, rather than a new one lost.
            LOG.warn("Listener {}: committed offsets unreadable ({}); dead letters of records read again may repeat",
                NAME, e.toString());
        }
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed == null ? null : committed.get(partition);
            service.rereading(partition, offset == null ? 0 : offset.offset());
        }
        consumer.seekToBeginning(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        super.onPartitionsRevoked(partitions);
        service.released(partitions);
    }
}
