package dev.pulse.transform;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.pulse.testkit.Records.CLOCK;
import static dev.pulse.testkit.Records.DEAD_LETTERS;
import static dev.pulse.testkit.Records.DECODER;
import static dev.pulse.testkit.Records.JSON;
import static dev.pulse.testkit.Records.map;
import static dev.pulse.testkit.Records.record;
import static dev.pulse.testkit.Records.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformServiceTest {

    private final TransformService service = new TransformService(DECODER, JSON, DEAD_LETTERS, Topics.OUTPUT_TOPIC, CLOCK);

    @Test
    void addsProcessedValueAndProcessedAtKeepingTheRecordAndItsKey() {
        String input = "{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"A\", \"extra\": {\"x\": [1, 2]}}";
        List<ProducerRecord<byte[], byte[]>> out = service.process(List.of(record(Topics.INPUT_TOPIC, 7, "k-1", input)));

        assertEquals(1, out.size());
        ProducerRecord<byte[], byte[]> output = out.get(0);
        assertEquals(Topics.OUTPUT_TOPIC, output.topic());
        assertEquals("k-1", text(output.key()));
        assertEquals("{\"id\":1,\"timestamp\":1700000000,\"value\":10,\"category\":\"A\",\"extra\":{\"x\":[1,2]},"
            + "\"processed_value\":20,\"processed_at\":1800000000.25}", text(output.value()));
    }

    @Test
    void doublesFractionalValuesExactlyAndKeepsAMissingKeyMissing() {
        var out = service.process(List.of(record(Topics.INPUT_TOPIC, 0, null, "{\"value\": 0.1, \"category\": \"B\"}")));
        Map<String, Object> value = map(out.get(0).value());
        assertEquals(0.2, ((Number) value.get("processed_value")).doubleValue());
        assertEquals(null, out.get(0).key());
    }

    static Stream<Arguments> badRecords() {
        byte[] garbage = new byte[512];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 0x80);
        }
        return Stream.of(
            Arguments.of("binary garbage", garbage, "value is not valid UTF-8"),
            Arguments.of("wrong type", utf8("{\"value\": \"ten\", \"category\": \"A\"}"),
                "field 'value': expected a number, got string \"ten\""),
            Arguments.of("missing field", utf8("{\"value\": 10}"), "field 'category': expected a non-empty string, got nothing"),
            Arguments.of("cut-off JSON", utf8("{\"value\": 10, \"categ"), "not valid JSON"),
            Arguments.of("not an object", utf8("[1, 2]"), "expected an object, got an array"),
            Arguments.of("no value", null, "no value: expected a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRecords")
    void sendsABadRecordToTheDeadLetterQueueInTheContractShape(String name, byte[] value, String error) {
        ConsumerRecord<byte[], byte[]> bad = record(Topics.INPUT_TOPIC, 2, 41, 1_700_000_000_000L, "k", value);
        ConsumerRecord<byte[], byte[]> good = record(Topics.INPUT_TOPIC, 2, 42, 1_700_000_000_000L, "k",
            utf8("{\"value\": 1, \"category\": \"A\"}"));

        List<ProducerRecord<byte[], byte[]>> out = service.process(List.of(bad, good));

        assertEquals(2, out.size(), "the good record after the bad one is processed");
        ProducerRecord<byte[], byte[]> letter = out.get(0);
        assertEquals(Topics.DEAD_LETTER_QUEUE, letter.topic());
        assertEquals("k", text(letter.key()));
        Map<String, Object> dlq = map(letter.value());
        assertTrue(dlq.get("error").toString().startsWith(error), () -> dlq.get("error").toString());
        assertEquals(Topics.INPUT_TOPIC, dlq.get("source_topic"));
        assertEquals(2, ((Number) dlq.get("partition")).intValue());
        assertEquals(41, ((Number) dlq.get("offset")).longValue());
        assertEquals(1_800_000_000.25, ((Number) dlq.get("timestamp")).doubleValue());
        assertEquals(value == null ? 0 : value.length, ((Number) dlq.get("original_size")).intValue());
        assertEquals(false, dlq.get("truncated"));
        if (name.equals("binary garbage")) {
            assertEquals("base64", dlq.get("original_encoding"));
            assertArrayEquals(value, java.util.Base64.getDecoder().decode(dlq.get("original_record").toString()));
        } else if (value != null) {
            assertEquals("utf-8", dlq.get("original_encoding"));
            assertEquals(new String(value, StandardCharsets.UTF_8), dlq.get("original_record"));
        }
        Map<String, String> headers = headers(letter);
        assertEquals(dlq.get("error"), headers.get(DeadLetter.HEADER_ERROR));
        assertEquals(Topics.INPUT_TOPIC, headers.get(DeadLetter.HEADER_SOURCE_TOPIC));
        assertEquals("2", headers.get(DeadLetter.HEADER_SOURCE_PARTITION));
        assertEquals("41", headers.get(DeadLetter.HEADER_SOURCE_OFFSET));
        assertEquals(Topics.OUTPUT_TOPIC, out.get(1).topic());
    }

    @Test
    void keepsAValueNearTheOneMegabyteLimitWholeInTheDeadLetter() {
        // Valid UTF-8, ~1 MB, but not JSON: an object cut off by the size limit.
        byte[] value = new byte[1_000_000];
        Arrays.fill(value, (byte) 'a');
        byte[] prefix = utf8("{\"category\": \"A\", \"value\": 1, \"pad\": \"");
        System.arraycopy(prefix, 0, value, 0, prefix.length);

        ProducerRecord<byte[], byte[]> letter = service.process(List.of(record(Topics.INPUT_TOPIC, 0, 5, 1L, null, value))).get(0);

        Map<String, Object> dlq = map(letter.value());
        assertEquals(Topics.DEAD_LETTER_QUEUE, letter.topic());
        assertTrue(dlq.get("error").toString().startsWith("not valid JSON"));
        assertEquals(false, dlq.get("truncated"));
        assertEquals(1_000_000, ((Number) dlq.get("original_size")).intValue());
        assertEquals(new String(value, StandardCharsets.UTF_8), dlq.get("original_record"));
    }

    @Test
    void sendsAValidRecordWhoseOutputWouldBeTooLargeToTheDeadLetterQueue() {
        String pad = "x".repeat(TransformService.MAX_OUTPUT_BYTES - 40);
        String input = "{\"value\": 1, \"category\": \"A\", \"pad\": \"" + pad + "\"}";
        ProducerRecord<byte[], byte[]> out = service.process(List.of(record(Topics.INPUT_TOPIC, 0, "k", input))).get(0);
        assertEquals(Topics.DEAD_LETTER_QUEUE, out.topic());
        assertTrue(map(out.value()).get("error").toString().contains("limit"));
        assertEquals(input, map(out.value()).get("original_record"), "the input whole, so it can be replayed");
    }

    private static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
