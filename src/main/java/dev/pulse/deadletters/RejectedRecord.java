package dev.pulse.deadletters;

import io.micronaut.core.annotation.Nullable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * An input record that could not be processed, as it arrived: everything a dead letter keeps of it, so that a replay
 * can put the same record back.
 *
 * @param timestamp     the record's timestamp in epoch ms, {@link RecordBatch#NO_TIMESTAMP} for none
 * @param timestampType {@code CreateTime} or {@code LogAppendTime}; {@code null} where it is not known (Kafka Streams
 *                      does not tell a processor)
 */
public record RejectedRecord(String topic, int partition, long offset, @Nullable byte[] key, @Nullable byte[] value,
                             long timestamp, @Nullable String timestampType, @Nullable Headers headers) {

    /** A record as a Kafka consumer received it. */
    public static RejectedRecord of(ConsumerRecord<byte[], byte[]> record) {
        TimestampType type = record.timestampType();
        return new RejectedRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
            record.timestamp(), type == null || type == TimestampType.NO_TIMESTAMP_TYPE ? null : type.name,
            record.headers());
    }
}
