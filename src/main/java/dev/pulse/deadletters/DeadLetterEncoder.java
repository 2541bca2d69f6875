package dev.pulse.deadletters;

import dev.pulse.listeners.RecordLog;

import dev.pulse.kafka.Topics;

import dev.pulse.kafka.TopicNames;

import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * Turns a rejected input record into its {@code dead-letter-queue} record: the {@link DeadLetter} value, the
 * input's key, and the {@code pulse.*} headers that repeat the reason and the origin.
 */
@Singleton
public class DeadLetterEncoder {

    private final JsonMapper jsonMapper;
    private final String topic;
    private final Clock clock;

    public DeadLetterEncoder(JsonMapper jsonMapper, TopicNames topicNames) {
        this(jsonMapper, topicNames.resolve(Topics.DEAD_LETTER_QUEUE), Clock.systemUTC());
    }

    public DeadLetterEncoder(JsonMapper jsonMapper, String topic, Clock clock) {
        this.jsonMapper = jsonMapper;
        this.topic = topic;
        this.clock = clock;
    }

    public DeadLetter letter(ConsumerRecord<byte[], byte[]> record, String error) {
        return DeadLetter.of(record.value(), error, record.topic(), record.partition(), record.offset(), clock.millis());
    }

    public ProducerRecord<byte[], byte[]> record(ConsumerRecord<byte[], byte[]> record, String error) {
        DeadLetter letter = letter(record, error);
        RecordLog.rejected(record.topic(), record.partition(), record.offset(), error);
        try {
            return new ProducerRecord<>(topic, null, null, record.key(), jsonMapper.writeValueAsBytes(letter),
                letter.headers());
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode a dead letter", e);
        }
    }
}
