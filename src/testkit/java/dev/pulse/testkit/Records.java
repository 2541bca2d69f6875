package dev.pulse.testkit;

import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.events.EventDecoder;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/** Building blocks for service unit tests: records as a consumer would see them, without a broker. */
public final class Records {

    public static final JsonMapper JSON = ObjectMapper.getDefault();
    public static final EventDecoder DECODER = new EventDecoder(JSON);
    public static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L, 250_000_000L), ZoneOffset.UTC);
    public static final DeadLetterEncoder DEAD_LETTERS = new DeadLetterEncoder(JSON, Topics.DEAD_LETTER_QUEUE, CLOCK);

    private Records() {
    }

    public static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, long timestampMs,
                                                        String key, byte[] value) {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(topic, partition, offset, timestampMs, TimestampType.CREATE_TIME,
            keyBytes == null ? -1 : keyBytes.length, value == null ? -1 : value.length, keyBytes, value,
            new RecordHeaders(), Optional.empty());
    }

    public static ConsumerRecord<byte[], byte[]> record(String topic, long offset, String key, String value) {
        return record(topic, 0, offset, 1_700_000_000_000L + offset * 1000, key,
            value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(byte[] json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(json), e);
        }
    }
}
