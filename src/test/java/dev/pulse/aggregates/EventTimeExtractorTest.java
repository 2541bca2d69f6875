package dev.pulse.aggregates;

import dev.pulse.events.EventTimeBounds;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extractor alone: Kafka Streams keeps a partition's stream time as the largest timestamp the extractor gave,
 * so what matters is that a timestamp out of bounds comes back as one below any time Pulse accepts.
 * {@link EventTimeTopologyTest} runs it with the topology.
 */
class EventTimeExtractorTest {

    /** 2025-01-15T10:00:00Z. */
    private static final long NOW = 1_736_935_200_000L;
    private static final long PARTITION_TIME = NOW - 60_000;

    private final EventTimeExtractor extractor = new EventTimeExtractor();

    EventTimeExtractorTest() {
        Properties config = new Properties();
        EventTimeExtractor.use(config, new EventTimeBounds(Duration.ofHours(1), Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC)));
        assertSame(EventTimeExtractor.class, config.get(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG));
        @SuppressWarnings("unchecked")
        Map<String, ?> configs = (Map<String, ?>) (Map<?, ?>) config;
        extractor.configure(configs);
    }

    private static ConsumerRecord<Object, Object> record(long timestamp) {
        return new ConsumerRecord<>("user-events", 0, 7, timestamp, TimestampType.CREATE_TIME, 0, 0, "k", "v",
            new RecordHeaders(), Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(longs = {946_684_800_000L, NOW - 86_400_000, NOW + 3_600_000})
    void keepsATimestampWithinTheBounds(long timestamp) {
        ConsumerRecord<Object, Object> record = record(timestamp);
        assertEquals(timestamp, extractor.extract(record, PARTITION_TIME));
        assertNull(EventTimeExtractor.takeOriginalTimestamp(timestamp, record.headers()));
        assertEquals(0, record.headers().toArray().length);
    }

    @ParameterizedTest
    @ValueSource(longs = {NOW + 3_600_001, NOW + 3650L * 86_400_000, Long.MAX_VALUE, 946_684_799_999L, 1000, 0, -1})
    void replacesATimestampOutOfBoundsWithOneThatCannotMoveStreamTime(long timestamp) {
        ConsumerRecord<Object, Object> record = record(timestamp);
        long extracted = extractor.extract(record, PARTITION_TIME);
        assertEquals(EventTimeExtractor.OUT_OF_BOUNDS, extracted);
        assertTrue(extracted < 946_684_800_000L, "behind every time accepted, so behind any partition time");
        assertEquals(timestamp, EventTimeExtractor.takeOriginalTimestamp(extracted, record.headers()));
        assertEquals(0, record.headers().toArray().length, "taken off again");
    }

    @Test
    void ignoresAProducersHeaderOfTheSameNameOnARecordItKept() {
        ConsumerRecord<Object, Object> record = record(NOW);
        record.headers().add(EventTimeExtractor.ORIGINAL_TIMESTAMP_HEADER, "1".getBytes(StandardCharsets.UTF_8));
        long extracted = extractor.extract(record, PARTITION_TIME);
        assertNull(EventTimeExtractor.takeOriginalTimestamp(extracted, record.headers()));
        assertEquals(1, record.headers().toArray().length, "the producer's header stays");
    }

    @Test
    void usesTheDefaultBoundsWithoutConfiguredOnes() {
        EventTimeExtractor unconfigured = new EventTimeExtractor();
        unconfigured.configure(Map.of());
        long now = System.currentTimeMillis();
        assertEquals(now, unconfigured.extract(record(now), PARTITION_TIME));
        assertEquals(EventTimeExtractor.OUT_OF_BOUNDS, unconfigured.extract(record(now + 2 * 3_600_000), PARTITION_TIME));
    }
}
