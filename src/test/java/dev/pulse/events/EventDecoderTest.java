package dev.pulse.events;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every accepted and every rejected shape of every input topic of the wire contract, decoded from
 * record bytes (as from Kafka) and, where the two differ, from a JSON element (as from HTTP ingest).
 */
class EventDecoderTest {

    /** 2025-01-15T10:00:00Z in epoch milliseconds. */
    private static final long JAN_15_10_00_UTC_MS = 1_736_935_200_000L;
    private static final byte[] NOT_UTF8 = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, 0x00, (byte) 0x80};
    private static final int ONE_MB = 1_000_000;

    private final EventDecoder decoder = new EventDecoder(JsonMapper.createDefault());

    // --- word-counts -------------------------------------------------------------------------

    @Test
    void keepsAWordWrittenWithADecomposedAccentWhole() {
        Decoded<List<String>> decoded = decoder.decodeWords("Cafe\u0301 ouvert".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("cafe\u0301", "ouvert"), decoded.value());
    }

    @Test
    void rejectsALiteralNullAsNotAnObject() {
        assertEquals("expected a JSON object, got null", decoder.decodeRecord("null".getBytes(StandardCharsets.UTF_8)).error());
    }

    @Test
    void lowerCasesTheWordOfAJsonObject() {
        assertEquals(List.of("apple"), valid(decoder.decodeWords(bytes("{\"word\": \"Apple\"}"))));
    }

    @Test
    void stripsSpaceAroundTheWordOfAJsonObject() {
        assertEquals(List.of("banana"), valid(decoder.decodeWords(bytes("  {\"word\": \"  BANANA \"}\n"))));
    }

    static Stream<Arguments> textLines() {
        return Stream.of(
            Arguments.of("Café Über 42", List.of("café", "über", "42")),
            Arguments.of("Hello, world! It's 2024-01-15.", List.of("hello", "world", "it", "s", "2024", "01", "15")),
            Arguments.of("  the quick\tbrown\nfox  ", List.of("the", "quick", "brown", "fox")),
            Arguments.of("naïve_coöperation—ΣΟΦΊΑ", List.of("naïve", "coöperation", "σοφία")),
            Arguments.of("東京 ٣٤ apple", List.of("東京", "٣٤", "apple")),
            Arguments.of("apple", List.of("apple")));
    }

    @ParameterizedTest
    @MethodSource("textLines")
    void splitsATextLineOnAnythingButUnicodeLettersAndDigitsAndLowerCases(String line, List<String> words) {
        assertEquals(words, valid(decoder.decodeWords(bytes(line))));
    }

    @Test
    void splitsATextLineGivenAsAJsonStringOnIngest() {
        assertEquals(List.of("café", "über", "42"), valid(decoder.decodeWords(json("\"Café Über 42\""))));
    }

    @Test
    void readsTheWordOfAJsonObjectOnIngest() {
        assertEquals(List.of("apple"), valid(decoder.decodeWords(json("{\"word\": \"Apple\"}"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t\n", "!!! --- ???", "...,;"})
    void rejectsATextLineWithoutWords(String line) {
        assertEquals("text line has no words: \"" + line.replace("\n", "\\n") + "\"",
            reason(decoder.decodeWords(bytes(line))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[1, 2", "  {word: apple}", "{\"word\": \"apple\"", "[not, json]", "{",
        "[", "{\"word\": 'apple'}"})
    void rejectsTextThatStartsLikeJsonButIsNotJson(String text) {
        assertNotValidJson(decoder.decodeWords(bytes(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"word\": \"apple\"} trailing words", "{\"word\": \"apple\"}{\"word\": \"pear\"}",
        "[\"apple\"] [\"pear\"]", "{}}", "{\"word\": \"apple\"},", "{\"word\": \"apple\"} 42"})
    void rejectsAJsonValueFollowedByMoreText(String text) {
        assertEquals("not valid JSON: more text after the JSON value", reason(decoder.decodeWords(bytes(text))));
    }

    @Test
    void acceptsWhitespaceAroundAJsonObject() {
        assertEquals(List.of("apple"), valid(decoder.decodeWords(bytes("\n\t {\"word\": \"apple\"} \r\n"))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"word": ""}                 | field 'word': expected a non-empty string, got an empty string
        {"word": "   "}              | field 'word': expected a non-empty string, got an empty string
        {"word": 5}                  | field 'word': expected a non-empty string, got number 5
        {"word": true}               | field 'word': expected a non-empty string, got boolean true
        {"word": ["apple"]}          | field 'word': expected a non-empty string, got an array
        {"word": {"text": "apple"}}  | field 'word': expected a non-empty string, got an object
        {"word": null}               | field 'word': expected a non-empty string, got nothing
        {"text": "apple"}            | field 'word': expected a non-empty string, got nothing
        ["apple"]                    | expected an object {"word": …} or a text line, got an array
        """)
    void rejectsAJsonWordThatIsNotANonEmptyString(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeWords(bytes(value))));
        assertEquals(reason, reason(decoder.decodeWords(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        42     | expected an object {"word": …} or a text line, got number 42
        true   | expected an object {"word": …} or a text line, got boolean true
        """)
    void rejectsAnIngestElementThatIsNeitherObjectNorText(String element, String reason) {
        assertEquals(reason, reason(decoder.decodeWords(json(element))));
    }

    @Test
    void rejectsANullIngestElement() {
        assertEquals("expected an object {\"word\": …} or a text line, got null",
            reason(decoder.decodeWords(JsonNode.nullNode())));
        assertEquals("expected an object, got null", reason(decoder.decodeRecord(JsonNode.nullNode())));
        assertEquals("expected an object, got null", reason(decoder.decodePayment(JsonNode.nullNode())));
    }

    @Test
    void decodesATextLineOfOneMillionCharacters() {
        String line = "Word ".repeat(ONE_MB / 5);
        assertEquals(ONE_MB, line.length());

        List<String> words = valid(decoder.decodeWords(bytes(line)));

        assertEquals(ONE_MB / 5, words.size());
        assertTrue(words.stream().allMatch("word"::equals));
    }

    @Test
    void decodesAJsonWordOfOneMillionCharacters() {
        String word = "a".repeat(ONE_MB);
        assertEquals(List.of(word), valid(decoder.decodeWords(bytes("{\"word\": \"" + word + "\"}"))));
    }

    // --- real-time-data ----------------------------------------------------------------------

    @Test
    void decodesAJsonReading() {
        byte[] value = bytes("{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": 1700000000}");
        assertEquals(new SensorReading("sensor_1", 52.5, 1_700_000_000_000L),
            valid(decoder.decodeSensor(bytes("sensor_1"), value)));
    }

    @Test
    void ignoresFieldsAReadingDoesNotNeedSuchAsFaustMetadata() {
        byte[] value = bytes("{\"device_id\": \"sensor_2\", \"temperature\": -3, \"__faust\": {\"ns\": \"app.SensorData\"}}");
        assertEquals(new SensorReading("sensor_2", -3.0, null), valid(decoder.decodeSensor(null, value)));
    }

    @Test
    void takesTheDeviceFromTheKeyWhenTheJsonReadingHasNone() {
        assertEquals(new SensorReading("sensor_7", 21.0, null),
            valid(decoder.decodeSensor(bytes("sensor_7"), bytes("{\"temperature\": 21}"))));
        assertEquals(new SensorReading("sensor_7", 21.0, null),
            valid(decoder.decodeSensor("sensor_7", json("{\"temperature\": 21}"))));
    }

    @Test
    void prefersTheDeviceOfTheJsonReadingOverTheKey() {
        assertEquals(new SensorReading("sensor_1", 40.0, null),
            valid(decoder.decodeSensor(bytes("sensor_9"), bytes("{\"device_id\": \"sensor_1\", \"temperature\": 40}"))));
    }

    @Test
    void readsANumericDeviceIdAsItsDecimalText() {
        assertEquals(new SensorReading("17", 40.0, null),
            valid(decoder.decodeSensor(null, bytes("{\"device_id\": 17, \"temperature\": 40}"))));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", textBlock = """
        NULL
        ''
        '   '
        """)
    void rejectsAJsonReadingWithoutDeviceIdInFieldOrKey(String key) {
        assertEquals("field 'device_id': expected a non-empty string, got nothing",
            reason(decoder.decodeSensor(key == null ? null : bytes(key), bytes("{\"temperature\": 21}"))));
        assertEquals("field 'device_id': expected a non-empty string, got nothing",
            reason(decoder.decodeSensor(key, json("{\"temperature\": 21}"))));
    }

    @Test
    void rejectsAnEmptyDeviceIdFieldEvenWithAKey() {
        assertEquals("field 'device_id': expected a non-empty string, got an empty string",
            reason(decoder.decodeSensor(bytes("sensor_1"), bytes("{\"device_id\": \"\", \"temperature\": 21}"))));
    }

    @Test
    void readsACelsiusLineWithDeviceFromKey() {
        assertEquals(new SensorReading("sensor_1", 30.0, null),
            valid(decoder.decodeSensor(bytes("sensor_1"), bytes("Temperature: 30C"))));
    }

    @Test
    void convertsFahrenheitLineToCelsiusWithDeviceFromKey() {
        assertEquals(new SensorReading("sensor_1", 30.0, null),
            valid(decoder.decodeSensor(bytes("sensor_1"), bytes("Temperature: 86F"))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        temperature: 30c         | 30.0
        TEMPERATURE:30C          | 30.0
        '  Temperature: 30.5 C ' | 30.5
        Temperature: -5C         | -5.0
        Temperature: 32F         | 0.0
        Temperature: -4F         | -20.0
        Temperature: 212 °F      | 100.0
        Temperature = 21°C       | 21.0
        """)
    void readsTemperatureLineVariants(String line, double celsius) {
        SensorReading reading = valid(decoder.decodeSensor(bytes("sensor_1"), bytes(line)));
        assertEquals("sensor_1", reading.deviceId());
        assertEquals(celsius, reading.temperature(), 1e-9);
        assertNull(reading.eventTimeMs());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", textBlock = """
        NULL
        ''
        '  '
        """)
    void rejectsATemperatureLineWithoutKey(String key) {
        assertEquals("plain-text reading needs the device id as the record key, got no key",
            reason(decoder.decodeSensor(key == null ? null : bytes(key), bytes("Temperature: 30C"))));
    }

    @Test
    void rejectsATemperatureLineWhoseKeyIsNotUtf8() {
        assertEquals("plain-text reading needs the device id as the record key, got no key",
            reason(decoder.decodeSensor(NOT_UTF8, bytes("Temperature: 30C"))));
    }

    @Test
    void readsAJsonReadingWithItsOwnDeviceWhateverTheKey() {
        assertEquals(new SensorReading("sensor_1", 30.0, null),
            valid(decoder.decodeSensor(NOT_UTF8, bytes("{\"device_id\": \"sensor_1\", \"temperature\": 30}"))));
    }

    @Test
    void rejectsATemperatureBeyondTheRangeOfADouble() {
        String reason = reason(decoder.decodeSensor(null, bytes("{\"device_id\": \"sensor_1\", \"temperature\": 1e400}")));
        assertTrue(reason.startsWith("field 'temperature': expected a finite number, got number "), reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        hot today               | expected a JSON reading or a line like "Temperature: 30C", got "hot today"
        Temperature: 30K        | expected a JSON reading or a line like "Temperature: 30C", got "Temperature: 30K"
        Temperature: warm C     | expected a JSON reading or a line like "Temperature: 30C", got "Temperature: warm C"
        Temperature: 30         | expected a JSON reading or a line like "Temperature: 30C", got "Temperature: 30"
        ''                      | expected a JSON reading or a line like "Temperature: 30C", got ""
        [30]                    | expected a JSON reading or a line like "Temperature: 30C", got "[30]"
        """)
    void rejectsTextThatIsNotATemperatureLine(String text, String reason) {
        assertEquals(reason, reason(decoder.decodeSensor(bytes("sensor_1"), bytes(text))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"device_id": "sensor_1", "temperature": "52.5"}  | field 'temperature': expected a number, got string "52.5"
        {"device_id": "sensor_1", "temperature": "hot"}   | field 'temperature': expected a number, got string "hot"
        {"device_id": "sensor_1", "temperature": true}    | field 'temperature': expected a number, got boolean true
        {"device_id": "sensor_1", "temperature": [52.5]}  | field 'temperature': expected a number, got an array
        {"device_id": "sensor_1"}                         | field 'temperature': expected a number, got nothing
        {"device_id": "sensor_1", "temperature": null}    | field 'temperature': expected a number, got nothing
        {"device_id": "sensor_1", "temp": 52.5}           | field 'temperature': expected a number, got nothing
        {"device_id": true, "temperature": 52.5}          | field 'device_id': expected a non-empty string or a whole number, got boolean true
        {"device_id": 1.5, "temperature": 52.5}           | field 'device_id': expected a non-empty string or a whole number, got number 1.5
        """)
    void rejectsAJsonReadingWithoutNumericTemperatureOrWithABadDevice(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeSensor(bytes("sensor_1"), bytes(value))));
        assertEquals(reason, reason(decoder.decodeSensor("sensor_1", json(value))));
    }

    @Test
    void convertsAFahrenheitJsonReadingToCelsius() {
        assertEquals(new SensorReading("sensor_1", 30.0, null),
            valid(decoder.decodeSensor(null, bytes("{\"device_id\": \"sensor_1\", \"temperature\": 86, \"unit\": \"F\"}"))));
        assertEquals(new SensorReading("sensor_1", 30.0, null),
            valid(decoder.decodeSensor(null, bytes("{\"device_id\": \"sensor_1\", \"temperature\": 30, \"unit\": \"c\"}"))));
    }

    @Test
    void rejectsAnUnknownTemperatureUnit() {
        assertEquals("field 'unit': expected \"C\" or \"F\", got string \"K\"",
            reason(decoder.decodeSensor(null, bytes("{\"device_id\": \"sensor_1\", \"temperature\": 300, \"unit\": \"K\"}"))));
    }

    @Test
    void rejectsAJsonReadingThatIsNotAnObjectOnIngest() {
        assertEquals("expected an object, got an array", reason(decoder.decodeSensor("sensor_1", json("[52.5]"))));
        assertEquals("expected an object, got string \"Temperature: 30C\"",
            reason(decoder.decodeSensor("sensor_1", json("\"Temperature: 30C\""))));
    }

    static Stream<Arguments> timestamps() {
        return Stream.of(
            Arguments.of("1700000000", 1_700_000_000_000L),
            Arguments.of("1700000000.5", 1_700_000_000_500L),
            Arguments.of("1700000000.123", 1_700_000_000_123L),
            Arguments.of("1736935200.000001", JAN_15_10_00_UTC_MS),
            Arguments.of("1700000000000", 1_700_000_000_000L),
            Arguments.of("1700000000123", 1_700_000_000_123L),
            Arguments.of("1.7e12", 1_700_000_000_000L),
            Arguments.of("1700000000123.0", 1_700_000_000_123L),
            Arguments.of("\"1700000000123\"", 1_700_000_000_123L),
            Arguments.of("946684800", 946_684_800_000L),
            Arguments.of("\"1700000000\"", 1_700_000_000_000L),
            Arguments.of("\"1700000000.25\"", 1_700_000_000_250L),
            Arguments.of("\"2025-01-15T10:00:00Z\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T12:00:00+02:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T05:00:00-05:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T10:00:00+00:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T10:00:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T10:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15T10:00:00.250\"", JAN_15_10_00_UTC_MS + 250),
            Arguments.of("\"2025-01-15T10:00:00.123456\"", JAN_15_10_00_UTC_MS + 123),
            Arguments.of("\"2025-01-15T10:00:00.5Z\"", JAN_15_10_00_UTC_MS + 500),
            Arguments.of("\"2025-01-15 10:00:00\"", JAN_15_10_00_UTC_MS),
            Arguments.of("\"2025-01-15 10:00:00.123456\"", JAN_15_10_00_UTC_MS + 123),
            Arguments.of("\"2025-01-15 12:00:00.5+02:00\"", JAN_15_10_00_UTC_MS + 500),
            Arguments.of("\" 2025-01-15T10:00:00Z \"", JAN_15_10_00_UTC_MS));
    }

    @ParameterizedTest
    @MethodSource("timestamps")
    void readsEpochSecondsAndIso8601TimestampsAsEpochMillis(String timestamp, long epochMillis) {
        String reading = "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": " + timestamp + "}";
        assertEquals(new SensorReading("sensor_1", 20.0, epochMillis), valid(decoder.decodeSensor(null, bytes(reading))));
    }

    @ParameterizedTest
    @MethodSource("timestamps")
    void readsTimestampsTheSameWayInEveryTopic(String timestamp, long epochMillis) {
        assertEquals(epochMillis, valid(decoder.decodeRecord(bytes(
            "{\"value\": 1, \"category\": \"A\", \"timestamp\": " + timestamp + "}"))).eventTimeMs());
        assertEquals(epochMillis, valid(decoder.decodeUserEvent(bytes(
            "{\"user_id\": 1, \"event_type\": \"page_view\", \"timestamp\": " + timestamp + "}"))).eventTimeMs());
        assertEquals(epochMillis, valid(decoder.decodeClick(bytes(
            "{\"user\": \"alice\", \"page\": \"/home\", \"timestamp\": " + timestamp + "}"))).eventTimeMs());
        assertEquals(epochMillis, valid(decoder.decodePurchase(bytes(
            "{\"user\": \"alice\", \"product\": \"p\", \"timestamp\": " + timestamp + "}"))).eventTimeMs());
        assertEquals(epochMillis, valid(decoder.decodePayment(bytes(
            "{\"transaction_id\": \"t\", \"card_id\": \"c\", \"amount\": 1, \"timestamp\": " + timestamp + "}")))
            .eventTimeMs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        "yesterday"                | string "yesterday"
        ""                         | string ""
        "2025-13-45T10:00:00"      | string "2025-13-45T10:00:00"
        "2025-01-15"               | string "2025-01-15"
        "15/01/2025 10:00"         | string "15/01/2025 10:00"
        "2025-01-15T10:00:00 UTC"  | string "2025-01-15T10:00:00 UTC"
        true                       | boolean true
        [1700000000]               | an array
        {"seconds": 1700000000}    | an object
        """)
    void rejectsAnInvalidTimestamp(String timestamp, String got) {
        String reading = "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": " + timestamp + "}";
        assertEquals("field 'timestamp': expected epoch seconds, epoch milliseconds or an ISO-8601 date-time, got " + got,
            reason(decoder.decodeSensor(null, bytes(reading))));
    }

    // --- bounded event time ------------------------------------------------------------------

    /** The clock of {@link #bounded}: 2025-01-15T10:00:00Z. */
    private static final Clock NOW = Clock.fixed(Instant.ofEpochMilli(JAN_15_10_00_UTC_MS), ZoneOffset.UTC);
    private final EventDecoder bounded = new EventDecoder(JsonMapper.createDefault(),
        new EventTimeBounds(Duration.ofHours(1), NOW));

    private String timestampReason(EventDecoder decoder, String timestamp) {
        String reading = "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": " + timestamp + "}";
        return reason(decoder.decodeSensor(null, bytes(reading)));
    }

    private long timestampMs(EventDecoder decoder, String timestamp) {
        String reading = "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": " + timestamp + "}";
        return valid(decoder.decodeSensor(null, bytes(reading))).eventTimeMs();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        99999999999          | expected a time at most 1 h ahead of the clock (2025-01-15T10:00:00Z), got 5138-11-16T09:46:39Z (number 99999999999)
        100000000000         | expected a time from 2000-01-01T00:00:00Z on, got 1973-03-03T09:46:40Z (number 100000000000)
        99999999999999       | expected a time at most 1 h ahead of the clock (2025-01-15T10:00:00Z), got 5138-11-16T09:46:39.999Z (number 99999999999999)
        100000000000000      | expected epoch seconds (below 10^11) or epoch milliseconds (below 10^14), got number 100000000000000, 10^14 or more (microseconds?)
        1700000000000000     | expected epoch seconds (below 10^11) or epoch milliseconds (below 10^14), got number 1700000000000000, 10^14 or more (microseconds?)
        1e30                 | expected epoch seconds (below 10^11) or epoch milliseconds (below 10^14), got number 1.0E30, 10^14 or more (microseconds?)
        9223372036854775807  | expected epoch seconds (below 10^11) or epoch milliseconds (below 10^14), got number 9223372036854775807, 10^14 or more (microseconds?)
        "100000000000000"    | expected epoch seconds (below 10^11) or epoch milliseconds (below 10^14), got string "100000000000000", 10^14 or more (microseconds?)
        """)
    void readsWholeNumbersBelow10To11AsSecondsFromThereAsMillisecondsAndFrom10To14NotAtAll(String timestamp, String reason) {
        assertEquals("field 'timestamp': " + reason, timestampReason(bounded, timestamp));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        946684799                | 1999-12-31T23:59:59Z (number 946684799)
        946684799999             | 1999-12-31T23:59:59.999Z (number 946684799999)
        0                        | 1970-01-01T00:00:00Z (number 0)
        -1                       | 1969-12-31T23:59:59Z (number -1)
        0.5                      | 1970-01-01T00:00:00Z (number 0.5)
        "1999-12-31T23:59:59Z"   | 1999-12-31T23:59:59Z (string "1999-12-31T23:59:59Z")
        "1999-12-31T23:59:59"    | 1999-12-31T23:59:59Z (string "1999-12-31T23:59:59")
        """)
    void rejectsATimeBefore2000(String timestamp, String got) {
        assertEquals("field 'timestamp': expected a time from 2000-01-01T00:00:00Z on, got " + got,
            timestampReason(bounded, timestamp));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-9223372036854775808", "-9223372036854776", "-1e30", "\"-999999999-01-01T00:00:00Z\""})
    void rejectsTimesFarBefore2000WithoutOverflowing(String timestamp) {
        assertTrue(timestampReason(bounded, timestamp).startsWith(
            "field 'timestamp': expected a time from 2000-01-01T00:00:00Z on, got "), timestamp);
    }

    @Test
    void acceptsUpToMaxFutureAheadOfTheClockAndNoMore() {
        long limit = JAN_15_10_00_UTC_MS + 3_600_000;
        assertEquals(limit, timestampMs(bounded, Long.toString(limit)));
        assertEquals(limit, timestampMs(bounded, Long.toString(limit / 1000)));
        assertEquals(limit, timestampMs(bounded, "\"2025-01-15T11:00:00Z\""));
        assertEquals("field 'timestamp': expected a time at most 1 h ahead of the clock (2025-01-15T10:00:00Z), got "
            + "2025-01-15T11:00:00.001Z (number " + (limit + 1) + ")", timestampReason(bounded, Long.toString(limit + 1)));
        // Naive ISO-8601 is UTC: Python's datetime.now() east of UTC lands ahead and, beyond the slack, out.
        assertEquals("field 'timestamp': expected a time at most 1 h ahead of the clock (2025-01-15T10:00:00Z), got "
            + "2025-01-15T12:00:00Z (string \"2025-01-15T12:00:00\")", timestampReason(bounded, "\"2025-01-15T12:00:00\""));

        EventDecoder strict = new EventDecoder(JsonMapper.createDefault(), new EventTimeBounds(Duration.ZERO, NOW));
        assertEquals(JAN_15_10_00_UTC_MS, timestampMs(strict, Long.toString(JAN_15_10_00_UTC_MS)));
        assertTrue(timestampReason(strict, Long.toString(JAN_15_10_00_UTC_MS + 1))
            .contains("expected a time at most 0 s ahead of the clock"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"+999999999-12-31T23:59:59Z\"", "\"+999999999-12-31T23:59:59\"", "1700000000000.5", "123456789012.5",
        "99999999999.5"})
    void rejectsTimesFarAheadWithoutOverflowing(String timestamp) {
        String reading = "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": " + timestamp + "}";
        Decoded<SensorReading> decoded = bounded.decodeSensor(null, bytes(reading));
        assertFalse(decoded.isValid(), timestamp);
    }

    @Test
    void rejectsATinyFractionPromptly() {
        // Rounding 1e-999999999 to milliseconds the direct way would take minutes.
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertTrue(timestampReason(bounded, "\"1e-999999999\"")
            .startsWith("field 'timestamp': expected a time from 2000-01-01T00:00:00Z on, got 1970-01-01T00:00:00Z")));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertTrue(timestampReason(bounded, "1e-999999999")
            .startsWith("field 'timestamp': expected a time from 2000-01-01T00:00:00Z on")));
    }

    @Test
    void boundsTheTimestampOfEveryTopic() {
        String ahead = "1800000000";
        assertTrue(bounded.decodeRecord(bytes("{\"value\": 1, \"category\": \"A\", \"timestamp\": " + ahead + "}"))
            .error().contains("ahead of the clock"));
        assertTrue(bounded.decodeUserEvent(bytes("{\"user_id\": 1, \"event_type\": \"v\", \"timestamp\": " + ahead + "}"))
            .error().contains("ahead of the clock"));
        assertTrue(bounded.decodeClick(bytes("{\"user\": \"a\", \"page\": \"/\", \"timestamp\": " + ahead + "}"))
            .error().contains("ahead of the clock"));
        assertTrue(bounded.decodePurchase(bytes("{\"user\": \"a\", \"product\": \"p\", \"timestamp\": " + ahead + "}"))
            .error().contains("ahead of the clock"));
        assertTrue(bounded.decodePayment(bytes("{\"transaction_id\": \"t\", \"card_id\": \"c\", \"amount\": 1, "
            + "\"timestamp\": " + ahead + "}")).error().contains("ahead of the clock"));
        assertTrue(bounded.decodeSensor("s", json("{\"temperature\": 1, \"timestamp\": " + ahead + "}"))
            .error().contains("ahead of the clock"), "HTTP ingest too");
    }

    @Test
    void checksTheRecordTimestampOnlyOfAnEventWithoutATimeOfItsOwn() {
        Decoded<SensorReading> withTime = bounded.decodeSensor(null, bytes(
            "{\"device_id\": \"s\", \"temperature\": 1, \"timestamp\": 1736935200}"));
        Decoded<SensorReading> withoutTime = bounded.decodeSensor(null, bytes("{\"device_id\": \"s\", \"temperature\": 1}"));
        long tenYearsAhead = JAN_15_10_00_UTC_MS + 3650L * 24 * 3600 * 1000;

        assertEquals(withTime, bounded.checkRecordTime(withTime, SensorReading::eventTimeMs, tenYearsAhead));
        assertEquals(withoutTime, bounded.checkRecordTime(withoutTime, SensorReading::eventTimeMs, JAN_15_10_00_UTC_MS));
        assertEquals("no 'timestamp' in the value, so the Kafka record timestamp is the event time: expected a time at "
                + "most 1 h ahead of the clock (2025-01-15T10:00:00Z), got 2035-01-13T10:00:00Z",
            bounded.checkRecordTime(withoutTime, SensorReading::eventTimeMs, tenYearsAhead).error());
        assertEquals("no 'timestamp' in the value, so the Kafka record timestamp is the event time: expected a time "
                + "from 2000-01-01T00:00:00Z on, got 1970-01-01T00:00:01Z",
            bounded.checkRecordTime(withoutTime, SensorReading::eventTimeMs, 1000).error());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"device_id\": \"sensor_1\", \"temperature\": 20}",
        "{\"device_id\": \"sensor_1\", \"temperature\": 20, \"timestamp\": null}"})
    void leavesEventTimeNullWithoutTimestampSoTheRecordTimeApplies(String reading) {
        assertEquals(new SensorReading("sensor_1", 20.0, null), valid(decoder.decodeSensor(null, bytes(reading))));
    }

    // --- device-thresholds -------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"threshold": 60.0, "hysteresis": 5.0}  | 60.0  | 5.0
        {"threshold": 60}                       | 60.0  | NULL
        {"hysteresis": 2.5}                     | NULL  | 2.5
        {"threshold": -10, "hysteresis": 0}     | -10.0 | 0.0
        {"threshold": 70, "hysteresis": null}   | 70.0  | NULL
        """)
    void decodesThresholdOverridesWithAbsentNumbersKeptNull(String value, Double threshold, Double hysteresis) {
        assertEquals(new DeviceThreshold(threshold, hysteresis), valid(decoder.decodeThreshold(bytes(value))));
        assertEquals(new DeviceThreshold(threshold, hysteresis), valid(decoder.decodeThreshold(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"threshold": 60, "hysteresis": -1}       | field 'hysteresis': expected a number >= 0, got number -1.0
        {"hysteresis": -0.5}                      | field 'hysteresis': expected a number >= 0, got number -0.5
        {}                                        | expected 'threshold' or 'hysteresis' (numbers), got neither
        {"limit": 60}                             | expected 'threshold' or 'hysteresis' (numbers), got neither
        {"threshold": null, "hysteresis": null}   | expected 'threshold' or 'hysteresis' (numbers), got neither
        {"threshold": "60"}                       | field 'threshold': expected a number, got string "60"
        {"threshold": 60, "hysteresis": "5"}      | field 'hysteresis': expected a number, got string "5"
        {"hysteresis": true}                      | field 'hysteresis': expected a number, got boolean true
        [60, 5]                                   | expected an object {"threshold", "hysteresis"}, got an array
        60                                        | expected an object {"threshold", "hysteresis"}, got number 60
        """)
    void rejectsThresholdsThatAreNotNumbersOrHaveNegativeHysteresis(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeThreshold(bytes(value))));
        assertEquals(reason, reason(decoder.decodeThreshold(json(value))));
    }

    // --- input-topic -------------------------------------------------------------------------

    @Test
    void decodesTheTutorialRecord() {
        byte[] value = bytes("{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"A\"}");
        assertEquals(new CategoryRecord("A", 10.0, 1_700_000_000_000L), valid(decoder.decodeRecord(value)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"value": 2.5, "category": "B"}          | B      | 2.5
        {"value": -7, "category": "minus"}       | minus  | -7.0
        {"value": 0, "category": "Zero Ö"}       | Zero Ö | 0.0
        {"value": 1e3, "category": "exp"}        | exp    | 1000.0
        """)
    void decodesRecordsWithAnyNumericValue(String value, String category, double number) {
        assertEquals(new CategoryRecord(category, number, null), valid(decoder.decodeRecord(bytes(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"id": 1, "category": "A"}                      | field 'value': expected a number, got nothing
        {"id": 1, "value": null, "category": "A"}       | field 'value': expected a number, got nothing
        {"id": 1, "value": "ten", "category": "A"}      | field 'value': expected a number, got string "ten"
        {"id": 1, "value": "10", "category": "A"}       | field 'value': expected a number, got string "10"
        {"id": 1, "value": {"n": 10}, "category": "A"}  | field 'value': expected a number, got an object
        {"id": 1, "value": 10, "category": ""}          | field 'category': expected a non-empty string, got an empty string
        {"id": 1, "value": 10, "category": " "}         | field 'category': expected a non-empty string, got an empty string
        {"id": 1, "value": 10}                          | field 'category': expected a non-empty string, got nothing
        {"id": 1, "value": 10, "category": 7}           | field 'category': expected a non-empty string, got number 7
        [{"value": 10, "category": "A"}]                | expected an object, got an array
        """)
    void rejectsRecordsWithoutNumericValueOrNonEmptyCategory(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeRecord(bytes(value))));
        assertEquals(reason, reason(decoder.decodeRecord(json(value))));
    }

    @Test
    void decodesARecordWithAOneMegabyteStringField() {
        String value = "{\"id\": 1, \"value\": 10, \"category\": \"A\", \"note\": \"" + "x".repeat(ONE_MB) + "\"}";
        assertTrue(value.length() > ONE_MB);
        assertEquals(new CategoryRecord("A", 10.0, null), valid(decoder.decodeRecord(bytes(value))));
    }

    // --- user-events -------------------------------------------------------------------------

    @Test
    void decodesTheTutorialUserEventWithNumericUserId() {
        byte[] value = bytes("{\"user_id\": 12345, \"event_type\": \"page_view\", "
            + "\"event_data\": {\"page\": \"/products\", \"duration\": 45}, \"timestamp\": \"2025-01-15T10:00:00\"}");
        assertEquals(new UserEvent("12345", "page_view", "/products", JAN_15_10_00_UTC_MS),
            valid(decoder.decodeUserEvent(value)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"user_id": "u-1", "event_type": "page_view", "event_data": {"page": "/home"}}            | u-1   | page_view | /home
        {"user_id": 12345.0, "event_type": "page_view", "event_data": {"page": "/home"}}         | 12345 | page_view | /home
        {"user_id": "u-1", "event_type": "page_view", "page": "/cart"}                           | u-1   | page_view | /cart
        {"user_id": "u-1", "event_type": "page_view", "event_data": {"x": 1}, "page": "/cart"}   | u-1   | page_view | /cart
        {"user_id": "u-1", "event_type": "page_view", "event_data": {"page": "/a"}, "page": "/b"} | u-1   | page_view | /a
        {"user_id": "u-1", "event_type": "page_view", "event_data": null, "page": "/b"}          | u-1   | page_view | /b
        {"user_id": "u-1", "event_type": "purchase", "event_data": {"product_id": "p-1"}}        | u-1   | purchase  | NULL
        {"user_id": 7, "event_type": "login"}                                                    | 7     | login     | NULL
        """)
    void readsThePageFromEventDataOrTheTopLevel(String value, String userId, String eventType, String page) {
        assertEquals(new UserEvent(userId, eventType, page, null), valid(decoder.decodeUserEvent(bytes(value))));
        assertEquals(new UserEvent(userId, eventType, page, null), valid(decoder.decodeUserEvent(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"user_id": 1, "event_type": "page_view", "event_data": "/home"}  | field 'event_data': expected an object, got string "/home"
        {"user_id": 1, "event_type": "page_view", "event_data": ["/a"]}   | field 'event_data': expected an object, got an array
        {"user_id": 1, "event_type": "page_view", "event_data": 3}        | field 'event_data': expected an object, got number 3
        {"user_id": 1}                                                    | field 'event_type': expected a non-empty string, got nothing
        {"user_id": 1, "event_type": ""}                                  | field 'event_type': expected a non-empty string, got an empty string
        {"user_id": 1, "event_type": 5}                                   | field 'event_type': expected a non-empty string, got number 5
        {"event_type": "page_view"}                                       | field 'user_id': expected a non-empty string, got nothing
        {"user_id": "", "event_type": "page_view"}                        | field 'user_id': expected a non-empty string, got an empty string
        {"user_id": 1.5, "event_type": "page_view"}                       | field 'user_id': expected a non-empty string or a whole number, got number 1.5
        {"user_id": false, "event_type": "page_view"}                     | field 'user_id': expected a non-empty string or a whole number, got boolean false
        "page_view"                                                       | expected an object, got string "page_view"
        """)
    void rejectsUserEventsWithoutUserIdOrEventTypeOrWithNonObjectEventData(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeUserEvent(bytes(value))));
        assertEquals(reason, reason(decoder.decodeUserEvent(json(value))));
    }

    // --- user-clicks, purchases --------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"user": "alice", "page": "/home", "product": "product-1", "timestamp": 1609459200} | alice | /home     | product-1 | 1609459200000
        {"user": "bob", "page": "/products", "timestamp": 1609459201}                       | bob   | /products | NULL      | 1609459201000
        {"user": "carol", "page": "/cart", "product": null}                                 | carol | /cart     | NULL      | NULL
        {"user": 42, "page": "/home"}                                                       | 42    | /home     | NULL      | NULL
        """)
    void decodesClicksWithOptionalProduct(String value, String user, String page, String product, Long eventTimeMs) {
        assertEquals(new Click(user, page, product, eventTimeMs), valid(decoder.decodeClick(bytes(value))));
        assertEquals(new Click(user, page, product, eventTimeMs), valid(decoder.decodeClick(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"page": "/home"}                                 | field 'user': expected a non-empty string, got nothing
        {"user": "", "page": "/home"}                     | field 'user': expected a non-empty string, got an empty string
        {"user": "alice"}                                 | field 'page': expected a non-empty string, got nothing
        {"user": "alice", "page": ""}                     | field 'page': expected a non-empty string, got an empty string
        {"user": "alice", "page": 1}                      | field 'page': expected a non-empty string, got number 1
        {"user": "alice", "page": "/home", "product": 1}  | field 'product': expected a string, got number 1
        ["alice", "/home"]                                | expected an object, got an array
        """)
    void rejectsClicksWithoutUserOrPage(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeClick(bytes(value))));
        assertEquals(reason, reason(decoder.decodeClick(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"user": "alice", "product": "product-1", "amount": 999.0, "timestamp": 1609459260} | alice | product-1 | 999.0 | 1609459260000
        {"user": "bob", "product": "product-2"}                                             | bob   | product-2 | NULL  | NULL
        {"user": 7, "product": "product-3", "amount": 5}                                    | 7     | product-3 | 5.0   | NULL
        """)
    void decodesPurchasesWithOptionalAmount(String value, String user, String product, Double amount, Long eventTimeMs) {
        assertEquals(new Purchase(user, product, amount, eventTimeMs), valid(decoder.decodePurchase(bytes(value))));
        assertEquals(new Purchase(user, product, amount, eventTimeMs), valid(decoder.decodePurchase(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"product": "product-1"}                            | field 'user': expected a non-empty string, got nothing
        {"user": "alice"}                                   | field 'product': expected a non-empty string, got nothing
        {"user": "alice", "product": ""}                    | field 'product': expected a non-empty string, got an empty string
        {"user": "alice", "product": "p", "amount": "9.5"}  | field 'amount': expected a number, got string "9.5"
        "alice bought product-1"                            | expected an object, got string "alice bought product-1"
        """)
    void rejectsPurchasesWithoutUserOrProduct(String value, String reason) {
        assertEquals(reason, reason(decoder.decodePurchase(bytes(value))));
        assertEquals(reason, reason(decoder.decodePurchase(json(value))));
    }

    // --- user-profiles, product-catalog ------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"name": "Alice", "age": 25}                 | Alice | 25.0
        {}                                           | NULL  | NULL
        {"email": "bob@example.com"}                 | NULL  | NULL
        {"name": "Bob", "age": "31"}                 | Bob   | 31.0
        {"name": 7, "age": "old"}                    | 7     | NULL
        {"name": {"first": "Carol"}, "age": [25]}    | NULL  | NULL
        {"name": null, "age": null}                  | NULL  | NULL
        {"name": true, "age": 25.5}                  | true  | 25.5
        """)
    void acceptsAnyObjectAsAProfileReadingNameAndAgeLoosely(String value, String name, Double age) {
        assertEquals(new UserProfile(name, age), valid(decoder.decodeProfile(bytes(value))));
        assertEquals(new UserProfile(name, age), valid(decoder.decodeProfile(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
        {"name": "Laptop", "price": 999}             | Laptop | 999.0
        {"name": "Mouse", "price": " 19.99 "}        | Mouse  | 19.99
        {"price": "free"}                            | NULL   | NULL
        {"sku": "x-1"}                               | NULL   | NULL
        """)
    void acceptsAnyObjectAsAProductReadingNameAndPriceLoosely(String value, String name, Double price) {
        assertEquals(new Product(name, price), valid(decoder.decodeProduct(bytes(value))));
        assertEquals(new Product(name, price), valid(decoder.decodeProduct(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        ["Alice", 25]   | expected an object, got an array
        "Alice"         | expected an object, got string "Alice"
        25              | expected an object, got number 25
        false           | expected an object, got boolean false
        """)
    void rejectsAProfileOrProductThatIsNotAnObject(String value, String reason) {
        assertEquals(reason, reason(decoder.decodeProfile(bytes(value))));
        assertEquals(reason, reason(decoder.decodeProfile(json(value))));
        assertEquals(reason, reason(decoder.decodeProduct(bytes(value))));
        assertEquals(reason, reason(decoder.decodeProduct(json(value))));
    }

    @Test
    void decodesAProfileWithAOneMegabyteName() {
        String name = "é".repeat(ONE_MB / 2);
        assertEquals(new UserProfile(name, 30.0),
            valid(decoder.decodeProfile(bytes("{\"name\": \"" + name + "\", \"age\": 30}"))));
    }

    // --- transactions ------------------------------------------------------------------------

    @Test
    void decodesATransactionWithLocation() {
        byte[] value = bytes("{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": 120.5, \"currency\": \"EUR\", "
            + "\"merchant\": \"m-9\", \"country\": \"DE\", \"lat\": 52.52, \"lon\": 13.405, \"timestamp\": 1700000000}");
        assertEquals(new Payment("t-1", "c-1", 120.5, "EUR", "m-9", "DE", 52.52, 13.405, 1_700_000_000_000L),
            valid(decoder.decodePayment(value)));
    }

    @Test
    void decodesATransactionWithoutLocationOrOptionalFields() {
        assertEquals(new Payment("t-2", "c-1", 0.0, null, null, null, null, null, null),
            valid(decoder.decodePayment(bytes("{\"transaction_id\": \"t-2\", \"card_id\": \"c-1\", \"amount\": 0}"))));
        assertEquals(new Payment("99", "1234", 10.0, "USD", null, "US", null, null, JAN_15_10_00_UTC_MS),
            valid(decoder.decodePayment(json("{\"transaction_id\": 99, \"card_id\": 1234, \"amount\": 10, "
                + "\"currency\": \"USD\", \"country\": \"US\", \"timestamp\": \"2025-01-15T10:00:00Z\"}"))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        -90 | -180
        90  | 180
        0   | 0
        """)
    void acceptsLocationsOnTheEdgesOfTheGlobe(double lat, double lon) {
        String value = "{\"transaction_id\": \"t\", \"card_id\": \"c\", \"amount\": 1, \"lat\": " + lat + ", \"lon\": " + lon + "}";
        Payment transaction = valid(decoder.decodePayment(bytes(value)));
        assertEquals(lat, transaction.lat());
        assertEquals(lon, transaction.lon());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        "amount": -5                       | field 'amount': expected a number >= 0, got number -5
        "amount": -0.01                    | field 'amount': expected a number >= 0, got number -0.01
        "amount": "120.5"                  | field 'amount': expected a number, got string "120.5"
        "amount": null                     | field 'amount': expected a number, got nothing
        "amount": 1, "lat": 91, "lon": 0   | field 'lat': expected a latitude in [-90, 90], got number 91.0
        "amount": 1, "lat": -90.5, "lon": 0 | field 'lat': expected a latitude in [-90, 90], got number -90.5
        "amount": 1, "lat": 0, "lon": 180.1 | field 'lon': expected a longitude in [-180, 180], got number 180.1
        "amount": 1, "lat": 0, "lon": -181  | field 'lon': expected a longitude in [-180, 180], got number -181.0
        "amount": 1, "lat": 52.5           | fields 'lat' and 'lon': expected both or neither, got only 'lat'
        "amount": 1, "lon": 13.4           | fields 'lat' and 'lon': expected both or neither, got only 'lon'
        "amount": 1, "lat": "52.5", "lon": 13.4 | field 'lat': expected a number, got string "52.5"
        "amount": 1, "currency": 978       | field 'currency': expected a string, got number 978
        """)
    void rejectsTransactionsWithNegativeAmountOrBadLocation(String fields, String reason) {
        String value = "{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", " + fields + "}";
        assertEquals(reason, reason(decoder.decodePayment(bytes(value))));
        assertEquals(reason, reason(decoder.decodePayment(json(value))));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"transaction_id": "t-1", "amount": 1}                   | field 'card_id': expected a non-empty string, got nothing
        {"transaction_id": "t-1", "card_id": "", "amount": 1}    | field 'card_id': expected a non-empty string, got an empty string
        {"transaction_id": "t-1", "card_id": [1], "amount": 1}   | field 'card_id': expected a non-empty string or a whole number, got an array
        {"card_id": "c-1", "amount": 1}                          | field 'transaction_id': expected a non-empty string, got nothing
        {"transaction_id": "t-1", "card_id": "c-1"}              | field 'amount': expected a number, got nothing
        [{"transaction_id": "t-1"}]                              | expected an object, got an array
        """)
    void rejectsTransactionsWithoutIdsOrAmount(String value, String reason) {
        assertEquals(reason, reason(decoder.decodePayment(bytes(value))));
        assertEquals(reason, reason(decoder.decodePayment(json(value))));
    }

    @Test
    void decodesATransactionWithAOneMegabyteMerchant() {
        String merchant = "m".repeat(ONE_MB);
        byte[] value = bytes("{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": 3, \"merchant\": \"" + merchant + "\"}");
        assertEquals(new Payment("t-1", "c-1", 3.0, null, merchant, null, null, null, null),
            valid(decoder.decodePayment(value)));
    }

    // --- every topic: null, binary, cut-off values ------------------------------------------

    /** A record decoder of each input topic, with a valid value for it. */
    record Topic(String name, Function<byte[], Decoded<?>> decode, String validValue) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Topic> topics() {
        EventDecoder decoder = new EventDecoder(JsonMapper.createDefault());
        return Stream.of(
            new Topic("word-counts", decoder::decodeWords, "{\"word\": \"apple\"}"),
            new Topic("real-time-data", value -> decoder.decodeSensor(bytes("sensor_1"), value),
                "{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": 1700000000}"),
            new Topic("device-thresholds", decoder::decodeThreshold, "{\"threshold\": 60.0, \"hysteresis\": 5.0}"),
            new Topic("input-topic", decoder::decodeRecord,
                "{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"A\"}"),
            new Topic("user-events", decoder::decodeUserEvent,
                "{\"user_id\": 12345, \"event_type\": \"page_view\", \"event_data\": {\"page\": \"/products\"}}"),
            new Topic("user-clicks", decoder::decodeClick, "{\"user\": \"alice\", \"page\": \"/home\"}"),
            new Topic("purchases", decoder::decodePurchase, "{\"user\": \"alice\", \"product\": \"product-1\"}"),
            new Topic("user-profiles", decoder::decodeProfile, "{\"name\": \"Alice\", \"age\": 25}"),
            new Topic("product-catalog", decoder::decodeProduct, "{\"name\": \"Laptop\", \"price\": 999}"),
            new Topic("transactions", decoder::decodePayment,
                "{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": 120.5}"));
    }

    @ParameterizedTest
    @MethodSource("topics")
    void acceptsTheSampleValue(Topic topic) {
        valid(topic.decode().apply(bytes(topic.validValue())));
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsBinaryGarbageAsNotUtf8(Topic topic) {
        assertEquals("value is not valid UTF-8", reason(topic.decode().apply(NOT_UTF8)));
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsAValidValueWithOneInvalidUtf8Byte(Topic topic) {
        byte[] valid = bytes(topic.validValue());
        byte[] corrupted = java.util.Arrays.copyOf(valid, valid.length);
        corrupted[valid.length / 2] = (byte) 0xFF;
        assertEquals("value is not valid UTF-8", reason(topic.decode().apply(corrupted)));
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsANullValueWithAReason(Topic topic) {
        String expected = switch (topic.name()) {
            case "word-counts" -> "no value: expected {\"word\": …} or a text line";
            case "real-time-data" -> "no value: expected a reading";
            default -> "no value: expected a JSON object";
        };
        assertEquals(expected, reason(topic.decode().apply(null)));
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsJsonCutOffHalfWay(Topic topic) {
        String whole = topic.validValue();
        for (int cut = 1; cut < whole.length(); cut++) {
            String head = whole.substring(0, cut);
            Decoded<?> decoded = topic.decode().apply(bytes(head));
            assertFalse(decoded.isValid(), () -> topic + " accepted the cut-off value " + head);
            assertTrue(decoded.error().startsWith("not valid JSON: "),
                () -> topic + ": " + head + " gave " + decoded.error());
        }
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsAJsonObjectFollowedByMoreText(Topic topic) {
        for (String tail : List.of(" }garbage", topic.validValue(), "\n{}", " 1", ",")) {
            assertEquals("not valid JSON: more text after the JSON value",
                reason(topic.decode().apply(bytes(topic.validValue() + tail))), topic + " with tail " + tail);
        }
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsAnEmptyOrBlankValue(Topic topic) {
        for (String value : List.of("", "  \n")) {
            Decoded<?> decoded = topic.decode().apply(bytes(value));
            assertFalse(decoded.isValid(), () -> topic + " accepted \"" + value + "\"");
            assertFalse(decoded.error().isBlank());
        }
    }

    @ParameterizedTest
    @MethodSource("topics")
    void rejectsNonJsonTextInAJsonTopic(Topic topic) {
        if (topic.name().equals("word-counts") || topic.name().equals("real-time-data")) {
            return; // text lines are valid values there, tested above
        }
        assertNotValidJson(topic.decode().apply(bytes("hello world")));
    }

    // --- helpers -----------------------------------------------------------------------------

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode json(String text) {
        return valid(decoder.parse(text));
    }

    private static <T> T valid(Decoded<T> decoded) {
        if (!decoded.isValid()) {
            fail("expected a valid value, got rejected: " + decoded.error());
        }
        assertNull(decoded.error());
        return decoded.value();
    }

    private static String reason(Decoded<?> decoded) {
        assertFalse(decoded.isValid(), () -> "expected a rejection, got " + decoded.value());
        assertNull(decoded.value());
        return decoded.error();
    }

    private static void assertNotValidJson(Decoded<?> decoded) {
        String reason = reason(decoded);
        assertTrue(reason.startsWith("not valid JSON: ") && reason.length() > "not valid JSON: ".length(), reason);
    }
}
