package dev.pulse.deadletters;

import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's dead letter keeps the record as it arrived: its key, timestamp with its type, and headers, each
 * readable back to the same bytes after the JSON round trip a replay makes; and it goes to the queue partition of its
 * source partition, stamped with the rejection time.
 */
class DeadLetterEncoderTest {

    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final long NOW_MS = 1_800_000_000_250L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC);
    private static final String ERROR = "field 'value': expected a number, got string \"ten\"";
    private static final byte[] BINARY = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0x00, 0x01};

    private final DeadLetterEncoder encoder = new DeadLetterEncoder(JSON, "dlq", CLOCK);

    @Test
    void keepsATextKeyAsText() throws IOException {
        DeadLetter letter = roundTrip(record("sensor-é", "bad".getBytes(StandardCharsets.UTF_8), new RecordHeaders()));

        assertEquals("sensor-é", letter.originalKey());
        assertEquals("utf-8", letter.keyEncoding());
        assertArrayEquals("sensor-é".getBytes(StandardCharsets.UTF_8), letter.originalKeyBytes());
    }

    @Test
    void keepsABinaryKeyAsBase64() throws IOException {
        DeadLetter letter = roundTrip(record(BINARY, "bad".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), 5L,
            TimestampType.CREATE_TIME));

        assertEquals("wyj/AAE=", letter.originalKey());
        assertEquals("base64", letter.keyEncoding());
        assertArrayEquals(BINARY, letter.originalKeyBytes());
    }

    @Test
    void writesNoKeyAsNullWithNoEncoding() throws IOException {
        DeadLetter letter = roundTrip(record((byte[]) null, "bad".getBytes(StandardCharsets.UTF_8), new RecordHeaders(),
            5L, TimestampType.CREATE_TIME));

        assertNull(letter.originalKey());
        assertNull(letter.keyEncoding());
        assertNull(letter.originalKeyBytes());
    }

    @Test
    void keepsTheTimestampAndItsType() throws IOException {
        DeadLetter created = roundTrip(record("k".getBytes(StandardCharsets.UTF_8), new byte[0], new RecordHeaders(),
            1_700_000_000_123L, TimestampType.CREATE_TIME));
        DeadLetter appended = roundTrip(record("k".getBytes(StandardCharsets.UTF_8), new byte[0], new RecordHeaders(),
            1_700_000_000_456L, TimestampType.LOG_APPEND_TIME));

        assertEquals(1_700_000_000_123L, created.originalTimestamp());
        assertEquals("CreateTime", created.originalTimestampType());
        assertEquals(1_700_000_000_456L, appended.originalTimestamp());
        assertEquals("LogAppendTime", appended.originalTimestampType());
    }

    @Test
    void writesARecordWithoutATimestampAsNull() throws IOException {
        DeadLetter letter = roundTrip(record("k".getBytes(StandardCharsets.UTF_8), new byte[0], new RecordHeaders(),
            RecordBatch.NO_TIMESTAMP, TimestampType.NO_TIMESTAMP_TYPE));

        assertNull(letter.originalTimestamp());
        assertNull(letter.originalTimestampType());
    }

    @Test
    void keepsHeadersByNameWithTextAsTextAndBinaryAsBase64() throws IOException {
        Headers headers = new RecordHeaders();
        headers.add("trace-id", "abc-é".getBytes(StandardCharsets.UTF_8));
        headers.add("raw", BINARY);
        headers.add("empty", new byte[0]);
        headers.add("none", null);

        DeadLetter letter = roundTrip(record("k", "bad".getBytes(StandardCharsets.UTF_8), headers));

        assertEquals(Arrays.asList("abc-é", "wyj/AAE=", "", null), new ArrayList<>(letter.originalHeaders().values()));
        assertEquals(List.of("trace-id", "raw", "empty", "none"), new ArrayList<>(letter.originalHeaders().keySet()));
        assertEquals(Map.of("raw", "base64"), letter.headersEncoding());
        assertHeaders(headers, letter.originalHeaderBytes());
    }

    @Test
    void keepsEveryValueOfAHeaderThatRepeatsInOrder() throws IOException {
        Headers headers = new RecordHeaders();
        headers.add("hop", "a".getBytes(StandardCharsets.UTF_8));
        headers.add("other", "x".getBytes(StandardCharsets.UTF_8));
        headers.add("hop", "b".getBytes(StandardCharsets.UTF_8));
        headers.add("bin", "text".getBytes(StandardCharsets.UTF_8));
        headers.add("bin", BINARY);

        DeadLetter letter = roundTrip(record("k", "bad".getBytes(StandardCharsets.UTF_8), headers));

        assertEquals(List.of("a", "b"), letter.originalHeaders().get("hop"));
        assertEquals(List.of("dGV4dA==", "wyj/AAE="), letter.originalHeaders().get("bin"), "one encoding per name");
        assertEquals(Map.of("bin", "base64"), letter.headersEncoding());
        List<String> names = new ArrayList<>();
        letter.originalHeaderBytes().forEach(h -> names.add(h.key()));
        assertEquals(List.of("hop", "hop", "other", "bin", "bin"), names, "names in first order, values in order");
        assertArrayEquals(BINARY, lastValue(letter.originalHeaderBytes(), "bin"));
    }

    @Test
    void writesNoHeadersAsAnEmptyObject() throws IOException {
        DeadLetter letter = roundTrip(record("k", "bad".getBytes(StandardCharsets.UTF_8), new RecordHeaders()));

        assertEquals(Map.of(), letter.originalHeaders());
        assertEquals(Map.of(), letter.headersEncoding());
        assertNull(letter.replayOf());
    }

    @Test
    void namesTheDeadLetterThatARejectedReplayCameFrom() throws IOException {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetter.HEADER_REPLAY_OF, "dead-letter-queue/2/417".getBytes(StandardCharsets.UTF_8));

        DeadLetter letter = roundTrip(record("k", "bad".getBytes(StandardCharsets.UTF_8), headers));

        assertEquals("dead-letter-queue/2/417", letter.replayOf());
        assertEquals("dead-letter-queue/2/417", letter.originalHeaders().get(DeadLetter.HEADER_REPLAY_OF));
    }

    @Test
    void keepsTheValueBytesWholeThroughJson() throws IOException {
        byte[] text = "{\"control\": \"\u0001\u0002\", \"quote\": \"\\\"\", \"emoji\": \"😀\"}".getBytes(StandardCharsets.UTF_8);
        byte[] large = new byte[900 * 1024];
        Arrays.fill(large, (byte) 'x');

        assertArrayEquals(text, roundTrip(record("k", text, new RecordHeaders())).originalValueBytes());
        assertArrayEquals(BINARY, roundTrip(record("k", BINARY, new RecordHeaders())).originalValueBytes());
        assertArrayEquals(large, roundTrip(record("k", large, new RecordHeaders())).originalValueBytes());
    }

    @Test
    void stampsTheRecordWithTheRejectionTimeAndKeepsTheInputKey() {
        ProducerRecord<byte[], byte[]> out = encoder.record(record(BINARY, new byte[0], new RecordHeaders(), 5L,
            TimestampType.CREATE_TIME), ERROR);

        assertEquals("dlq", out.topic());
        assertEquals(NOW_MS, out.timestamp());
        assertArrayEquals(BINARY, out.key());
        assertEquals(ERROR, new String(out.headers().lastHeader(DeadLetter.HEADER_ERROR).value(), StandardCharsets.UTF_8));
    }

    @Test
    void sendsEveryDeadLetterOfASourcePartitionToOneQueuePartition() {
        DeadLetterEncoder routed = new DeadLetterEncoder(JSON, "dlq", CLOCK, DeadLetter.DEFAULT_MAX_VALUE_BYTES,
            (topic, partition) -> DeadLetter.partitionFor(topic, partition, 6));
        List<Integer> partitions = new ArrayList<>();
        for (int offset = 0; offset < 20; offset++) {
            ConsumerRecord<byte[], byte[]> in = new ConsumerRecord<>("input-topic", 4, offset, 5L,
                TimestampType.CREATE_TIME, 1, 0, ("key-" + offset).getBytes(StandardCharsets.UTF_8), new byte[0],
                new RecordHeaders(), Optional.empty());
            partitions.add(routed.record(in, ERROR).partition());
        }

        assertEquals(1, partitions.stream().distinct().count(), partitions::toString);
        assertEquals(DeadLetter.partitionFor("input-topic", 4, 6), partitions.get(0));
        assertTrue(partitions.get(0) >= 0 && partitions.get(0) < 6);
    }

    private DeadLetter roundTrip(ConsumerRecord<byte[], byte[]> record) throws IOException {
        ProducerRecord<byte[], byte[]> out = encoder.record(record, ERROR);
        return JSON.readValue(out.value(), DeadLetter.class);
    }

    private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value, Headers headers) {
        return record(key.getBytes(StandardCharsets.UTF_8), value, headers, 1_700_000_000_000L, TimestampType.CREATE_TIME);
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, Headers headers, long timestamp,
                                                         TimestampType type) {
        return new ConsumerRecord<>("input-topic", 1, 77L, timestamp, type, key == null ? -1 : key.length,
            value == null ? -1 : value.length, key, value, headers, Optional.empty());
    }

    private static void assertHeaders(Headers expected, Headers actual) {
        List<Header> want = new ArrayList<>();
        expected.forEach(want::add);
        List<Header> got = new ArrayList<>();
        actual.forEach(got::add);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).key(), got.get(i).key());
            assertArrayEquals(want.get(i).value(), got.get(i).value(), want.get(i).key());
        }
    }

    private static byte[] lastValue(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : header.value();
    }

}
