package dev.pulse.alerts.temperature;

import dev.pulse.alerts.KeyedStateProcessor;
import dev.pulse.alerts.KeyedStateProcessor.Step;
import dev.pulse.alerts.StateFormat;
import dev.pulse.alerts.StateStore;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.events.Decoded;
import dev.pulse.events.DeviceThreshold;
import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.TopicIds;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code device-thresholds} (compacted; key: device id; {@code {"threshold","hysteresis"}}, a null value restores the
 * configured values) → each device's threshold override in the state store under
 * {@link TemperatureAlertService#thresholdKey}, which {@link TemperatureAlertService} reads from its next batch on.
 * Records without a device id or with a value that is not a threshold become dead letters.
 *
 * <p>The overrides are kept without expiry, and the topic is their source: {@link ThresholdListener} reads it from its
 * beginning whenever it is given a partition, so overrides a Redis lost (flushed, replaced, evicted) come back at the
 * next start. Records are applied through {@link KeyedStateProcessor}: those already applied (at or below the
 * partition's progress, on the same topic) change nothing, so reading the topic again never sets a device back to an
 * older threshold, not even for a moment; a topic deleted and created again is applied from its start. The dead
 * letters of records read again below the offset the group had committed were written the first time, and are not
 * written again.
 */
@Singleton
public class ThresholdService {

    /** One {@code device-thresholds} record: the device and its override, {@code null} to restore the defaults. */
    record Update(String device, @Nullable DeviceThreshold threshold) {
    }

    private final EventDecoder decoder;
    private final StateFormat format;
    private final DeadLetterEncoder deadLetters;
    /**
     * A partition read again from its beginning: the offset its group had committed when this instance was given it,
     * and the last offset of it applied to the store since (-1: none yet).
     */
    private record Reread(long committedBefore, long appliedThrough) {
    }

    private final KeyedStateProcessor<Update> processor;
    private final Map<TopicPartition, Reread> rereads = new ConcurrentHashMap<>();

    @Inject
    public ThresholdService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, StateStore store,
                            TopicIds topicIds, @Value(ThresholdListener.GROUP_ID) String group) {
        this.decoder = decoder;
        this.format = new StateFormat(json);
        this.deadLetters = deadLetters;
        KeyedStateProcessor.Options options = new KeyedStateProcessor.Options(TemperatureAlertService.NAMESPACE,
            "threshold", group, threshold -> true, null, true);
        this.processor = new KeyedStateProcessor<>(store, json, options, topicIds, device -> List.of());
    }

    /** Without a cluster: progress trusts offsets alone (unit tests). */
    public ThresholdService(EventDecoder decoder, JsonMapper json, DeadLetterEncoder deadLetters, StateStore store) {
        this(decoder, json, deadLetters, store, TopicIds.NONE, ThresholdListener.NAME);
    }

    /**
     * The partition is read again from its beginning; its records below {@code committedOffset} were read before.
     */
    public void rereading(TopicPartition partition, long committedOffset) {
        rereads.put(partition, new Reread(committedOffset, -1));
    }

    public void released(Collection<TopicPartition> partitions) {
        partitions.forEach(rereads::remove);
    }

    /**
     * Whether a partition's reading again was cut short: the consumer is at or past the offset committed before, yet
     * the records below it have not all been applied. That happens when a batch of the re-read fails: the listener
     * goes back to the group's committed offset, not to the beginning, so the caller has to seek there again.
     *
     * @param position the consumer's position in the partition
     */
    public boolean rereadCutShort(TopicPartition partition, long position) {
        Reread reread = rereads.get(partition);
        return reread != null && reread.appliedThrough() < reread.committedBefore() - 1
            && position >= reread.committedBefore();
    }

    /**
     * Applies one poll's {@code device-thresholds} records in order; the last record of a device wins.
     *
     * @return dead letters for records without a device id or with a value that is not a threshold
     */
    public List<ProducerRecord<byte[], byte[]>> apply(List<ConsumerRecord<byte[], byte[]>> records) {
        List<ConsumerRecord<byte[], byte[]>> toApply = records.stream()
            .filter(record -> record.offset() >= committedBefore(record) || decode(record).isValid())
            .toList();
        // The transition has no outputs, so no record goes to an output topic: only dead letters come back.
        List<ProducerRecord<byte[], byte[]>> deadLetters = processor.processBatch(toApply, this::decode, Update::device,
            (update, item, state, context) -> new Step(update.threshold() == null ? null : format.write(update.threshold()),
                List.of()),
            null, this.deadLetters);
        for (ConsumerRecord<byte[], byte[]> record : records) { // in the store now, whatever becomes of the batch
            rereads.computeIfPresent(new TopicPartition(record.topic(), record.partition()), (partition, reread) ->
                new Reread(reread.committedBefore(), Math.max(reread.appliedThrough(), record.offset())));
        }
        return deadLetters;
    }

    private long committedBefore(ConsumerRecord<byte[], byte[]> record) {
        Reread reread = rereads.get(new TopicPartition(record.topic(), record.partition()));
        return reread == null ? 0 : reread.committedBefore();
    }

    private Decoded<Update> decode(ConsumerRecord<byte[], byte[]> record) {
        String device = record.key() == null ? null : EventDecoder.utf8(record.key());
        if (device == null || device.isBlank()) {
            return Decoded.invalid("expected the device id as the record key, got "
                + (record.key() == null ? "no key" : device == null ? "a key that is not UTF-8" : "a blank key"));
        }
        if (record.value() == null) {
            return Decoded.ok(new Update(device, null));
        }
        return decoder.decodeThreshold(record.value()).map(threshold -> new Update(device, threshold));
    }
}
