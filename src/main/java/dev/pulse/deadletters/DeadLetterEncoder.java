package dev.pulse.deadletters;

import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import dev.pulse.listeners.RecordLog;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.function.BiFunction;

/**
 * Turns a rejected input record into its {@code dead-letter-queue} record: the {@link DeadLetter} value (with the
 * input's value, key, timestamp and headers), the input's key as the record key, and the {@code pulse.*} headers that
 * repeat the reason and the origin. The record's timestamp is the rejection time; its partition is the one every dead
 * letter of the same source partition goes to ({@link DeadLetter#partitionFor}).
 */
@Singleton
public class DeadLetterEncoder {

    private final JsonMapper jsonMapper;
    private final String topic;
    private final Clock clock;
    private final int maxValueBytes;
    private final BiFunction<String, Integer, Integer> partitionOf;

    @Inject
    public DeadLetterEncoder(JsonMapper jsonMapper, TopicNames topicNames, DeadLetterProperties properties,
                             DeadLetterPartitions partitions) {
        this(jsonMapper, topicNames.resolve(Topics.DEAD_LETTER_QUEUE), Clock.systemUTC(), properties.maxValueBytes(),
            partitions::partitionFor);
    }

    /** Values kept whole up to the default size; records placed by the producer. */
    public DeadLetterEncoder(JsonMapper jsonMapper, String topic, Clock clock) {
        this(jsonMapper, topic, clock, DeadLetter.DEFAULT_MAX_VALUE_BYTES, (sourceTopic, sourcePartition) -> null);
    }

    /**
     * @param partitionOf the queue partition of a source topic and partition, {@code null} to leave it to the producer
     */
    public DeadLetterEncoder(JsonMapper jsonMapper, String topic, Clock clock, int maxValueBytes,
                             BiFunction<String, Integer, Integer> partitionOf) {
        this.jsonMapper = jsonMapper;
        this.topic = topic;
        this.clock = clock;
        this.maxValueBytes = maxValueBytes;
        this.partitionOf = partitionOf;
    }

    public DeadLetter letter(ConsumerRecord<byte[], byte[]> record, String error) {
        return letter(record, error, clock.millis());
    }

    private DeadLetter letter(ConsumerRecord<byte[], byte[]> record, String error, long nowMillis) {
        return DeadLetter.of(RejectedRecord.of(record), error, nowMillis, maxValueBytes);
    }

    public ProducerRecord<byte[], byte[]> record(ConsumerRecord<byte[], byte[]> record, String error) {
        long now = clock.millis();
        DeadLetter letter = letter(record, error, now);
        RecordLog.rejected(record.topic(), record.partition(), record.offset(), error);
        try {
            return new ProducerRecord<>(topic, partitionOf.apply(record.topic(), record.partition()), now, record.key(),
                jsonMapper.writeValueAsBytes(letter), letter.headers());
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode a dead letter", e);
        }
    }
}
