package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.EventTimeBounds;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event time on the production topology ({@link AggregatesTopology#build}) with the production extractor
 * ({@link EventTimeExtractor}): milliseconds and seconds name the same instants, and a time out of bounds, in the
 * value or in the Kafka record timestamp standing in for it, is dead-lettered and moves no window.
 */
class EventTimeTopologyTest {

    /** 2024-01-01T00:00:00Z, aligned with every window size. */
    private static final long T0 = 1_704_067_200_000L;
    private static final long T0S = T0 / 1000;
    private static final long SECOND = 1000;
    /** The clock of the bounds and of the driver: an hour after {@link #T0}. */
    private static final long NOW = T0 + 3_600_000;
    private static final long TEN_YEARS = 3650L * 24 * 3600 * 1000;

    private final JsonMapper jsonMapper = JsonMapper.createDefault();

    @Test
    void windowsMillisecondTimestampsLikeTheSameInstantsInSeconds() {
        try (Pulse pulse = new Pulse()) {
            for (String[] time : new String[][] {{"5", "5000"}, {"20.5", "20500"}, {"59.999", "59999"}, {"75", "75000"}}) {
                double seconds = Double.parseDouble(time[0]);
                long millis = Long.parseLong(time[1]);
                pulse.send(Topics.INPUT_TOPIC, "s", record("in-seconds", T0S + seconds, 10), T0);
                pulse.send(Topics.INPUT_TOPIC, "s", record("in-millis", T0 + millis, 10), T0);
                pulse.send(Topics.USER_EVENTS, "1", userEvent("in-seconds", String.valueOf(T0S + seconds)), T0);
                pulse.send(Topics.USER_EVENTS, "1", userEvent("in-millis", String.valueOf(T0 + millis)), T0);
            }
            pulse.send(Topics.INPUT_TOPIC, "s", record("closer", T0S + 300, 0), T0);

            List<KeyValue<String, String>> windows = pulse.read(Topics.WINDOWED_AGGREGATES);
            List<String> inSeconds = windows.stream().filter(kv -> kv.key.equals("in-seconds")).map(kv -> kv.value).toList();
            List<String> inMillis = windows.stream().filter(kv -> kv.key.equals("in-millis"))
                .map(kv -> kv.value.replace("in-millis", "in-seconds")).toList();
            assertEquals(2, inSeconds.size(), windows::toString);
            assertEquals(inSeconds, inMillis);
            assertEquals(T0S, field(inSeconds.get(0), "window_start").getLongValue());
            assertEquals(3, field(inSeconds.get(0), "count").getLongValue(), "5, 20.5 and 59.999 s: the first minute");

            Map<String, String> counts = new HashMap<>();
            pulse.read(Topics.EVENT_COUNTS).forEach(kv -> counts.put(kv.key, kv.value));
            assertEquals(Map.of("in-seconds@" + T0, "4", "in-millis@" + T0, "4"), counts);
        }
    }

    @Test
    void deadLettersTimesOutOfBoundsAndMovesNoWindowWithThem() {
        try (Pulse pulse = new Pulse()) {
            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", String.valueOf(T0S + 10)), T0 + 10 * SECOND);
            pulse.send(Topics.INPUT_TOPIC, "s", record("A", T0S + 10, 1), T0 + 10 * SECOND);

            long tenYearsAhead = NOW + TEN_YEARS;
            for (String bad : List.of(String.valueOf(tenYearsAhead / 1000), String.valueOf(tenYearsAhead),
                "\"1999-12-31T23:59:59Z\"", "100000000000000")) {
                pulse.send(Topics.USER_EVENTS, "1", userEvent("view", bad), T0 + 11 * SECOND);
                pulse.send(Topics.INPUT_TOPIC, "s", record("A", bad, 1000), T0 + 11 * SECOND);
            }
            // No timestamp in the value: the Kafka record timestamp is the event time, so it is bounded too.
            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", null), tenYearsAhead);
            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", null), 1000);
            pulse.send(Topics.INPUT_TOPIC, "s", record("A", null, 1000), tenYearsAhead);
            pulse.send(Topics.WORD_COUNTS, null, "words have no time of their own", tenYearsAhead);

            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", String.valueOf(T0S + 20)), T0 + 20 * SECOND);
            pulse.send(Topics.INPUT_TOPIC, "s", record("A", T0S + 20, 2), T0 + 20 * SECOND);

            assertEquals(List.of(KeyValue.pair("view@" + T0, "1"), KeyValue.pair("view@" + T0, "2")),
                pulse.read(Topics.EVENT_COUNTS), "the later event is counted, not dropped as late");
            assertEquals(List.of(), pulse.read(Topics.WINDOWED_AGGREGATES), "no window closed by the bad ones");
            assertEquals(List.of(), pulse.read(Topics.WORD_TOTALS));

            pulse.send(Topics.INPUT_TOPIC, "s", record("A", T0S + 71, 0), T0 + 71 * SECOND);
            List<KeyValue<String, String>> closed = pulse.read(Topics.WINDOWED_AGGREGATES);
            assertEquals(1, closed.size(), closed::toString);
            assertEquals(2, field(closed.get(0).value, "count").getLongValue());
            assertEquals(3, field(closed.get(0).value, "sum").getLongValue(), "the two good records only");

            // input-topic's bad records are the transform listener's to dead-letter; user-events' and words' are here.
            List<TestRecord<String, String>> letters = pulse.output(Topics.DEAD_LETTER_QUEUE).readRecordsToList();
            List<String> reasons = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            List<Long> originals = new ArrayList<>();
            for (TestRecord<String, String> letter : letters) {
                reasons.add(field(letter.value(), "error").getStringValue());
                times.add(letter.timestamp());
                originals.add(field(letter.value(), "original_timestamp").getLongValue());
            }
            assertEquals(7, reasons.size(), reasons::toString);
            assertEquals(List.of(NOW, NOW, NOW, NOW, NOW, NOW, NOW), times,
                "a dead letter is stamped with the time of rejection, never with a time out of bounds");
            long sent = T0 + 11 * SECOND;
            assertEquals(List.of(sent, sent, sent, sent), originals.subList(0, 4),
                "the dead letter keeps the record's own Kafka timestamp as original_timestamp");
            assertEquals("field 'timestamp': expected a time at most 1 h ahead of the clock (" + Instant.ofEpochMilli(NOW)
                + "), got " + Instant.ofEpochSecond(tenYearsAhead / 1000) + " (number " + tenYearsAhead / 1000 + ")",
                reasons.get(0));
            assertTrue(reasons.get(1).contains("(number " + tenYearsAhead + ")"), reasons.get(1));
            assertTrue(reasons.get(2).startsWith("field 'timestamp': expected a time from 2000-01-01T00:00:00Z on"));
            assertTrue(reasons.get(3).contains("10^14 or more"), reasons.get(3));
            assertEquals("no 'timestamp' in the value, so the Kafka record timestamp is the event time: expected a time "
                + "at most 1 h ahead of the clock (" + Instant.ofEpochMilli(NOW) + "), got "
                + Instant.ofEpochMilli(tenYearsAhead), reasons.get(4));
            assertEquals("no 'timestamp' in the value, so the Kafka record timestamp is the event time: expected a time "
                + "from 2000-01-01T00:00:00Z on, got 1970-01-01T00:00:01Z", reasons.get(5));
            assertEquals(Topics.WORD_COUNTS, header(letters.get(6), DeadLetter.HEADER_SOURCE_TOPIC));
        }
    }

    @Test
    void takesTheEventsOwnTimeWhateverItsKafkaTimestampAndLeavesNoTraceOfTheSwap() {
        try (Pulse pulse = new Pulse()) {
            // A producer with a clock ten years off, sending events with sane times of their own.
            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", String.valueOf(T0S + 10)), NOW + TEN_YEARS);
            pulse.send(Topics.USER_CLICKS, "alice", "{\"user\": \"alice\", \"page\": \"/home\", \"timestamp\": "
                + (T0S + 10) + "}", NOW + TEN_YEARS);
            pulse.send(Topics.USER_EVENTS, "1", userEvent("view", String.valueOf(T0S + 400)), T0 + 400 * SECOND);

            List<TestRecord<String, String>> counts = pulse.output(Topics.EVENT_COUNTS).readRecordsToList();
            assertEquals(List.of("view@" + T0, "view@" + (T0 + 300 * SECOND)), counts.stream().map(TestRecord::key).toList());
            assertEquals(T0 + 10 * SECOND, counts.get(0).timestamp(), "the event's own time");
            List<TestRecord<String, String>> enriched = pulse.output(Topics.ENRICHED_CLICKS).readRecordsToList();
            assertEquals(1, enriched.size());
            assertEquals(T0 + 10 * SECOND, enriched.get(0).timestamp());
            for (TestRecord<String, String> out : List.of(counts.get(0), enriched.get(0))) {
                assertNull(out.headers().lastHeader(EventTimeExtractor.ORIGINAL_TIMESTAMP_HEADER), out.toString());
            }
            assertEquals(List.of(), pulse.read(Topics.DEAD_LETTER_QUEUE));
        }
    }

    @Test
    void appliesATableRowWhateverItsKafkaTimestamp() {
        try (Pulse pulse = new Pulse()) {
            pulse.send(Topics.USER_PROFILES, "alice", "{\"name\": \"Alice\", \"age\": 25}", NOW + TEN_YEARS);
            pulse.send(Topics.USER_CLICKS, "alice", "{\"user\": \"alice\", \"page\": \"/home\", \"timestamp\": "
                + (T0S + 10) + "}", T0 + 10 * SECOND);

            List<KeyValue<String, String>> enriched = pulse.read(Topics.ENRICHED_CLICKS);
            assertEquals("Alice", field(enriched.get(0).value, "user_name").getStringValue());
            assertEquals(List.of(), pulse.read(Topics.DEAD_LETTER_QUEUE), "a table row has no event time to bound");
        }
    }

    // --- helpers -----------------------------------------------------------------------------

    private static String record(String category, Object timestamp, double value) {
        return "{\"value\": " + value + ", \"category\": \"" + category + "\""
            + (timestamp == null ? "" : ", \"timestamp\": " + timestamp) + "}";
    }

    private static String userEvent(String type, String timestamp) {
        return "{\"user_id\": 1, \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"/home\"}"
            + (timestamp == null ? "" : ", \"timestamp\": " + timestamp) + "}";
    }

    private JsonNode field(String json, String name) {
        try {
            return jsonMapper.readValue(json, JsonNode.class).get(name);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static String header(TestRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The production topology and extractor in a test driver whose clock, and the bounds', stand at {@link #NOW}. */
    private final class Pulse implements AutoCloseable {

        private final TopologyTestDriver driver;
        private final Map<String, TestOutputTopic<String, String>> outputs = new HashMap<>();

        Pulse() {
            EventTimeBounds bounds = new EventTimeBounds(Duration.ofHours(1),
                Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
            StreamsBuilder builder = new StreamsBuilder();
            AggregatesTopology.build(builder, AggregatesProperties.defaults(), UnaryOperator.identity(),
                new EventDecoder(jsonMapper, bounds), jsonMapper);
            Properties config = new Properties();
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, "pulse-event-time-test");
            config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            config.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class);
            EventTimeExtractor.use(config, bounds);
            driver = new TopologyTestDriver(builder.build(), config, Instant.ofEpochMilli(NOW));
        }

        void send(String topic, String key, String value, long timestampMs) {
            driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer())
                .pipeInput(key, value.getBytes(StandardCharsets.UTF_8), timestampMs);
        }

        List<KeyValue<String, String>> read(String topic) {
            return output(topic).readKeyValuesToList();
        }

        TestOutputTopic<String, String> output(String topic) {
            return outputs.computeIfAbsent(topic,
                t -> driver.createOutputTopic(t, new StringDeserializer(), new StringDeserializer()));
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
