package dev.pulse.deadletters;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dead-letter record: what of the rejected value it keeps, how, and the headers it carries. */
class DeadLetterTest {

    private static final String ERROR = "field 'temperature': expected a number, got string \"hot\"";
    private static final long NOW_MS = 1_700_000_000_123L;
    /** The limit the cutting tests set (the default is 1 MiB). */
    private static final int LIMIT = 256 * 1024;

    @Test
    void keepsATextValueAsUtf8Text() {
        String value = "{\"device_id\": \"capteur-é\", \"temperature\": \"hot\"} — 温度";
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = DeadLetter.of(bytes, ERROR, "real-time-data", 3, 42L, NOW_MS);

        assertEquals(value, letter.originalRecord());
        assertEquals("utf-8", letter.originalEncoding());
        assertEquals(bytes.length, letter.originalSize());
        assertFalse(letter.truncated());
        assertEquals(ERROR, letter.error());
        assertEquals("real-time-data", letter.sourceTopic());
        assertEquals(3, letter.partition());
        assertEquals(42L, letter.offset());
        assertEquals(new java.math.BigDecimal("1700000000.123"), letter.timestamp());
    }

    @Test
    void keepsAnEmptyValueAsEmptyText() {
        DeadLetter letter = DeadLetter.of(new byte[0], ERROR, "input-topic", 0, 0L, NOW_MS);

        assertEquals("", letter.originalRecord());
        assertEquals("utf-8", letter.originalEncoding());
        assertEquals(0, letter.originalSize());
        assertArrayEquals(new byte[0], letter.originalValueBytes());
    }

    @Test
    void keepsABinaryValueAsBase64() {
        byte[] binary = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0x00, 0x01, (byte) 0x80, 'a'};

        DeadLetter letter = DeadLetter.of(binary, "value is not valid UTF-8", "transactions", 1, 7L, NOW_MS);

        assertEquals("base64", letter.originalEncoding());
        assertEquals("wyj/AAGAYQ==", letter.originalRecord());
        assertArrayEquals(binary, Base64.getDecoder().decode(letter.originalRecord()));
        assertEquals(binary.length, letter.originalSize());
        assertFalse(letter.truncated());
    }

    @Test
    void keepsABinaryValueThatIsValidUtf8ButForItsLastByteAsBase64() {
        byte[] value = Arrays.copyOf("Temperature: 30°".getBytes(StandardCharsets.UTF_8), 16);
        // the last kept byte is the first half of the two-byte '°'
        DeadLetter letter = DeadLetter.of(value, "value is not valid UTF-8", "real-time-data", 0, 1L, NOW_MS);

        assertEquals("base64", letter.originalEncoding());
        assertArrayEquals(value, Base64.getDecoder().decode(letter.originalRecord()));
    }

    @Test
    void keepsANullValueAsNullWithSizeZero() {
        DeadLetter letter = DeadLetter.of(null, "no value: expected a JSON object", "purchases", 2, 9L, NOW_MS);

        assertNull(letter.originalRecord());
        assertEquals("utf-8", letter.originalEncoding());
        assertEquals(0, letter.originalSize());
        assertNull(letter.originalValueBytes());
    }

    @Test
    void keepsAOneMegabyteValueWholeByDefault() {
        byte[] value = "{\"word\": \"".concat("a".repeat(1_000_000)).getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = DeadLetter.of(value, "not valid JSON: …", "word-counts", 0, 0L, NOW_MS);

        assertFalse(letter.truncated());
        assertEquals(value.length, letter.originalSize());
        assertArrayEquals(value, letter.originalValueBytes());
    }

    @Test
    void keepsAValueOfExactlyTheLimitWhole() {
        byte[] value = "a".repeat(LIMIT).getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = capped(value);

        assertFalse(letter.truncated());
        assertEquals(LIMIT, letter.originalSize());
        assertEquals("a".repeat(LIMIT), letter.originalRecord());
    }

    @Test
    void cutsAnAsciiValueAboveTheLimitToTheLimit() {
        byte[] value = "a".repeat(LIMIT + 1).getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = capped(value);

        assertTrue(letter.truncated());
        assertEquals(LIMIT + 1, letter.originalSize());
        assertEquals("utf-8", letter.originalEncoding());
        assertEquals("a".repeat(LIMIT), letter.originalRecord());
    }

    @Test
    void cutsAValueAboveTheDefaultLimitOfOneMebibyte() {
        byte[] value = "a".repeat(DeadLetter.DEFAULT_MAX_VALUE_BYTES + 1).getBytes(StandardCharsets.UTF_8);

        DeadLetter letter = DeadLetter.of(value, ERROR, "word-counts", 0, 0L, NOW_MS);

        assertTrue(letter.truncated());
        assertEquals(DeadLetter.DEFAULT_MAX_VALUE_BYTES, letter.originalRecord().length());
    }

    /**
     * 300 KB of a character of 2, 3 or 4 bytes, shifted by 0–3 ASCII bytes so that the limit (256 KB here)
     * falls on every position inside a character.
     */
    @ParameterizedTest
    @CsvSource(textBlock = """
        é, 0
        é, 1
        €, 0
        €, 1
        €, 2
        😀, 0
        😀, 1
        😀, 2
        😀, 3
        """)
    void cutsAMultiByteValueAboveTheLimitWithoutSplittingACharacter(String character, int asciiPrefix) {
        int charBytes = character.getBytes(StandardCharsets.UTF_8).length;
        String text = "x".repeat(asciiPrefix) + character.repeat(300 * 1024 / charBytes);
        byte[] value = text.getBytes(StandardCharsets.UTF_8);
        assertTrue(value.length > LIMIT);

        DeadLetter letter = capped(value);

        assertTrue(letter.truncated());
        assertEquals(value.length, letter.originalSize());
        assertEquals("utf-8", letter.originalEncoding());
        byte[] kept = letter.originalRecord().getBytes(StandardCharsets.UTF_8);
        assertTrue(kept.length <= LIMIT, () -> kept.length + " bytes kept");
        assertTrue(kept.length > LIMIT - charBytes, () -> "cut more than one character: " + kept.length + " bytes kept");
        assertTrue(isStrictUtf8(kept));
        assertTrue(text.startsWith(letter.originalRecord()), "the kept text is a prefix of the value");
        assertFalse(letter.originalRecord().contains("\uFFFD"));
    }

    @Test
    void cutsABinaryValueAboveTheLimitAndKeepsItAsBase64() {
        byte[] value = new byte[LIMIT + 1000];
        Arrays.fill(value, (byte) 0xFF);

        DeadLetter letter = capped(value);

        assertTrue(letter.truncated());
        assertEquals(LIMIT + 1000, letter.originalSize());
        assertEquals("base64", letter.originalEncoding());
        byte[] kept = Base64.getDecoder().decode(letter.originalRecord());
        assertEquals(LIMIT, kept.length);
        assertArrayEquals(Arrays.copyOf(value, LIMIT), kept);
    }

    private static DeadLetter capped(byte[] value) {
        return DeadLetter.of(new RejectedRecord("word-counts", 0, 0L, null, value, -1, null, null), ERROR, NOW_MS, LIMIT);
    }

    @Test
    void headersCarryErrorTopicPartitionAndOffsetAsUtf8Text() {
        String error = "field 'user': expected a non-empty string, got string \"ünïcödé 😀\"";
        DeadLetter letter = DeadLetter.of("x".getBytes(StandardCharsets.UTF_8), error, "user-clicks", 11,
            9_876_543_210L, NOW_MS);

        Headers headers = letter.headers();

        assertEquals(error, header(headers, "pulse.error"));
        assertEquals("user-clicks", header(headers, "pulse.source.topic"));
        assertEquals("11", header(headers, "pulse.source.partition"));
        assertEquals("9876543210", header(headers, "pulse.source.offset"));
        assertEquals(List.of("pulse.error", "pulse.source.topic", "pulse.source.partition", "pulse.source.offset"),
            StreamSupport.stream(headers.spliterator(), false).map(Header::key).toList());
    }

    @Test
    void headerNamesAreTheContractNames() {
        assertEquals("pulse.error", DeadLetter.HEADER_ERROR);
        assertEquals("pulse.source.topic", DeadLetter.HEADER_SOURCE_TOPIC);
        assertEquals("pulse.source.partition", DeadLetter.HEADER_SOURCE_PARTITION);
        assertEquals("pulse.source.offset", DeadLetter.HEADER_SOURCE_OFFSET);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writesTheContractFieldNamesInJson(boolean binary) throws IOException {
        byte[] value = binary ? new byte[] {(byte) 0xFF} : "bad".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of(value, ERROR, "input-topic", 4, 99L, NOW_MS);
        JsonMapper mapper = JsonMapper.createDefault();

        String text = mapper.writeValueAsString(letter);
        JsonNode json = mapper.readValue(text, JsonNode.class);
        assertTrue(text.contains("\"timestamp\":1700000000.123,"), "epoch seconds, not E-notation: " + text);

        assertEquals(List.of("original_record", "original_encoding", "original_size", "truncated", "error",
            "source_topic", "partition", "offset", "timestamp", "original_key", "key_encoding", "original_timestamp",
            "original_timestamp_type", "original_headers", "headers_encoding", "replay_of"), fieldNames(json));
        assertEquals(binary ? "/w==" : "bad", json.get("original_record").getStringValue());
        assertEquals(binary ? "base64" : "utf-8", json.get("original_encoding").getStringValue());
        assertEquals(value.length, json.get("original_size").getIntValue());
        assertFalse(json.get("truncated").getBooleanValue());
        assertEquals(ERROR, json.get("error").getStringValue());
        assertEquals("input-topic", json.get("source_topic").getStringValue());
        assertEquals(4, json.get("partition").getIntValue());
        assertEquals(99L, json.get("offset").getLongValue());
        assertEquals(1_700_000_000.123, json.get("timestamp").getDoubleValue());
    }

    @Test
    void writesANullValueAsJsonNull() throws IOException {
        JsonMapper mapper = JsonMapper.createDefault();
        DeadLetter letter = DeadLetter.of(null, "no value: expected a JSON object", "purchases", 0, 0L, NOW_MS);

        String text = mapper.writeValueAsString(letter);
        JsonNode json = mapper.readValue(text, JsonNode.class);
        assertTrue(text.contains("\"timestamp\":1700000000.123,"), "epoch seconds, not E-notation: " + text);

        assertTrue(json.get("original_record").isNull(), text);
        assertTrue(json.get("original_key").isNull(), text);
        assertEquals(0, json.get("original_size").getIntValue());
    }

    @Test
    void theUtf8CheckRejectsASplitCharacter() {
        byte[] split = Arrays.copyOf("é".getBytes(StandardCharsets.UTF_8), 1);
        assertFalse(isStrictUtf8(split));
        assertNull(dev.pulse.events.EventDecoder.utf8(split));
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        assertTrue(header != null, () -> "no header " + name);
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<String> fieldNames(JsonNode object) {
        return StreamSupport.stream(object.entries().spliterator(), false).map(java.util.Map.Entry::getKey).toList();
    }

    private static boolean isStrictUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
