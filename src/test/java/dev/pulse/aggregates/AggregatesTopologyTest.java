package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.events.EventDecoder;
import dev.pulse.events.SensorReading;
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
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production topology ({@link AggregatesTopology#build}) driven record by record, with explicit
 * event times. Every window test starts at {@link #T0}, a time aligned with every window size.
 */
class AggregatesTopologyTest {

    /** 2024-01-01T00:00:00Z. */
    private static final long T0 = 1_704_067_200_000L;
    private static final long T0S = T0 / 1000;
    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;

    private final JsonMapper jsonMapper = JsonMapper.createDefault();

    // --- word-totals -------------------------------------------------------------------------

    @Test
    void countsWordsOfObjectsAndTextLinesLowerCased() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.WORD_COUNTS, null, "{\"word\": \"Apple\"}", T0);
            pulse.send(Topics.WORD_COUNTS, "k", "apple banana, APPLE! naïve", T0);

            List<KeyValue<String, String>> totals = pulse.read(Topics.WORD_TOTALS);
            assertEquals(List.of(KeyValue.pair("apple", "1"), KeyValue.pair("apple", "2"), KeyValue.pair("banana", "1"),
                KeyValue.pair("apple", "3"), KeyValue.pair("naïve", "1")), totals);
        }
    }

    // --- aggregated-topic, windowed-aggregates -----------------------------------------------

    @Test
    void aggregatesEachCategoryOnEveryUpdate() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.INPUT_TOPIC, null, record(1, T0S, 10, "A"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(2, T0S + 1, 5, "B"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(3, T0S + 2, 20, "A"), T0);

            assertEquals(List.of(
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":1,\"sum\":10,\"average\":10,\"min\":10,\"max\":10,\"timestamp\":" + T0S + "}"),
                KeyValue.pair("B", "{\"category\":\"B\",\"count\":1,\"sum\":5,\"average\":5,\"min\":5,\"max\":5,\"timestamp\":" + (T0S + 1) + "}"),
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":2,\"sum\":30,\"average\":15,\"min\":10,\"max\":20,\"timestamp\":" + (T0S + 2) + "}")),
                pulse.read(Topics.AGGREGATED_TOPIC));
        }
    }

    @Test
    void emitsEachCategoryWindowOnceWhenItClosesCountingLateRecordsWithinGraceOnly() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.INPUT_TOPIC, null, record(1, T0S + 5, 10, "A"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(2, T0S + 59.999, 20, "A"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(3, T0S + 60, 1, "A"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(4, T0S + 69, 2, "A"), T0);
            // 21 s late, within the window's grace (it closes at 60 s + 10 s): still counted.
            pulse.send(Topics.INPUT_TOPIC, null, record(5, T0S + 48, 30, "A"), T0);
            assertEquals(List.of(), pulse.read(Topics.WINDOWED_AGGREGATES), "nothing before the window closes");

            pulse.send(Topics.INPUT_TOPIC, null, record(6, T0S + 70, 4, "A"), T0);
            // Past the grace: dropped (Streams' dropped-records metric), not in the emitted window.
            pulse.send(Topics.INPUT_TOPIC, null, record(7, T0S + 40, 1000, "A"), T0);
            pulse.send(Topics.INPUT_TOPIC, null, record(8, T0S + 130, 0, "A"), T0);

            assertEquals(List.of(
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":60,\"average\":20,\"min\":10,\"max\":30,"
                    + "\"timestamp\":" + (T0S + 59.999) + ",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60) + "}"),
                KeyValue.pair("A", "{\"category\":\"A\",\"count\":3,\"sum\":7,\"average\":2.3333333333333335,\"min\":1,\"max\":4,"
                    + "\"timestamp\":" + (T0S + 70) + ",\"window_start\":" + (T0S + 60) + ",\"window_end\":" + (T0S + 120) + "}")),
                pulse.read(Topics.WINDOWED_AGGREGATES));
        }
    }

    // --- event-counts ------------------------------------------------------------------------

    @Test
    void countsEventTypesPerFiveMinuteWindowKeyedByTypeAndWindowStartMillis() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/home", "\"2024-01-01T00:01:00\""), T0 + 99 * MINUTE);
            pulse.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/home", String.valueOf(T0S + 299)), T0);
            pulse.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/home", "\"2024-01-01T00:04:00Z\""), T0);
            pulse.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/home", String.valueOf(T0S + 300)), T0);
            // No timestamp in the event: the Kafka record time decides the window.
            pulse.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/home", null), T0 + 10 * MINUTE + 1);

            assertEquals(List.of(
                KeyValue.pair("page_view@" + T0, "1"),
                KeyValue.pair("page_view@" + T0, "2"),
                KeyValue.pair("click@" + T0, "1"),
                KeyValue.pair("page_view@" + (T0 + 5 * MINUTE), "1"),
                KeyValue.pair("page_view@" + (T0 + 10 * MINUTE), "1")),
                pulse.read(Topics.EVENT_COUNTS));
        }
    }

    // --- click-counts ------------------------------------------------------------------------

    @Test
    void countsClicksOnTheHomePagePerUser() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/home", null, T0S), T0);
            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/products", null, T0S + 1), T0);
            pulse.send(Topics.USER_CLICKS, null, click("alice", "/home", null, T0S + 2), T0);
            pulse.send(Topics.USER_CLICKS, "bob", click("bob", "/home", null, T0S + 3), T0);

            assertEquals(List.of(KeyValue.pair("alice", "1"), KeyValue.pair("alice", "2"), KeyValue.pair("bob", "1")),
                pulse.read(Topics.CLICK_COUNTS));
        }
    }

    // --- top-pages ---------------------------------------------------------------------------

    @Test
    void listsTheTopPagesOfEachMinuteBreakingTiesByPageName() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults().withTopN(2))) {
            pulse.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/c", String.valueOf(T0S + 1)), T0);
            pulse.send(Topics.USER_EVENTS, "1", userEvent(1, "page_view", "/b", String.valueOf(T0S + 2)), T0);
            pulse.send(Topics.USER_EVENTS, "2", userEvent(2, "page_view", "/a", String.valueOf(T0S + 3)), T0);
            pulse.send(Topics.USER_EVENTS, "2", userEvent(2, "click", "/b", String.valueOf(T0S + 4)), T0);
            pulse.send(Topics.USER_EVENTS, "3", userEvent(3, "page_view", "/c", String.valueOf(T0S + 5)), T0);
            pulse.send(Topics.USER_EVENTS, "3", "{\"user_id\": 3, \"event_type\": \"page_view\", \"page\": \"/b\", "
                + "\"timestamp\": " + (T0S + 6) + "}", T0);
            pulse.send(Topics.USER_EVENTS, "3", userEvent(3, "page_view", "/z", String.valueOf(T0S + 60)), T0);

            List<KeyValue<String, String>> top = pulse.read(Topics.TOP_PAGES);
            String window = "\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 60);
            assertEquals(List.of(
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/c\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/b\",\"views\":1},{\"page\":\"/c\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/a\",\"views\":1},{\"page\":\"/b\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/c\",\"views\":2},{\"page\":\"/a\",\"views\":1}]}"),
                KeyValue.pair(String.valueOf(T0S), "{" + window + ",\"pages\":[{\"page\":\"/b\",\"views\":2},{\"page\":\"/c\",\"views\":2}]}"),
                KeyValue.pair(String.valueOf(T0S + 60), "{\"window_start\":" + (T0S + 60) + ",\"window_end\":" + (T0S + 120)
                    + ",\"pages\":[{\"page\":\"/z\",\"views\":1}]}")),
                top);
        }
    }

    // --- device-averages ---------------------------------------------------------------------

    @Test
    void averagesEachDeviceOverFiveMinuteWindowsAdvancingEveryMinute() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": " + (T0S + 90) + "}", T0);
            // Plain text: the device is the key, °F becomes °C, the record time is the event time.
            pulse.send(Topics.REAL_TIME_DATA, "sensor_1", "Temperature: 86F", T0 + 100 * SECOND);

            List<KeyValue<String, String>> averages = pulse.read(Topics.DEVICE_AVERAGES);
            assertEquals(10, averages.size(), "each reading falls in five overlapping windows: " + averages);
            List<String> starts = averages.subList(0, 5).stream()
                .map(kv -> String.valueOf(field(kv.value, "window_start").getLongValue())).toList();
            assertEquals(List.of(T0S - 180, T0S - 120, T0S - 60, T0S, T0S + 60).stream().map(String::valueOf).toList(),
                starts);
            assertEquals(KeyValue.pair("sensor_1", "{\"device_id\":\"sensor_1\",\"window_start\":" + (T0S + 60)
                    + ",\"window_end\":" + (T0S + 360) + ",\"count\":2,\"average\":41.25,\"min\":30,\"max\":52.5}"),
                averages.get(9));
        }
    }

    @Test
    void keepsEachDevicesLatestReadingByEventTime() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 40.0, \"timestamp\": " + (T0S + 60) + "}", T0);
            // Arrives later but happened earlier: it does not replace the newer reading.
            pulse.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 99.0, \"timestamp\": " + (T0S + 30) + "}", T0);
            pulse.send(Topics.REAL_TIME_DATA, "sensor_2",
                "{\"device_id\": \"sensor_2\", \"temperature\": 20.0, \"timestamp\": " + T0S + "}", T0);

            // A plain-text reading has no time of its own: its record's time stands in.
            pulse.send(Topics.REAL_TIME_DATA, "sensor_3", "Temperature: 30C", T0 + 5 * SECOND);

            KeyValueStore<String, SensorReading> latest = pulse.driver.getKeyValueStore(AggregateStores.DEVICE_LATEST);
            assertEquals(new SensorReading("sensor_1", 40.0, (T0S + 60) * 1000), latest.get("sensor_1"));
            assertEquals(20.0, latest.get("sensor_2").temperature());
            assertEquals(new SensorReading("sensor_3", 30.0, T0 + 5 * SECOND), latest.get("sensor_3"));
        }
    }

    // --- user-sessions -----------------------------------------------------------------------

    @Test
    void mergesSessionsWhenALateEventBridgesTheInactivityGap() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.USER_EVENTS, "7", userEvent(7, "click", "/a", String.valueOf(T0S)), T0);
            pulse.send(Topics.USER_EVENTS, "7", userEvent(7, "click", "/a", String.valueOf(T0S + 240)), T0);
            // 8 minutes after the previous event: past the 5-minute gap, a new session.
            pulse.send(Topics.USER_EVENTS, "7", userEvent(7, "click", "/a", String.valueOf(T0S + 720)), T0);
            // Late, at 8 min: within 5 min of both sessions, so it joins them into one.
            pulse.send(Topics.USER_EVENTS, "7", userEvent(7, "click", "/a", String.valueOf(T0S + 480)), T0);

            assertEquals(List.of(
                KeyValue.pair("7", session("7", T0S, T0S, 1)),
                KeyValue.pair("7", session("7", T0S, T0S + 240, 2)),
                KeyValue.pair("7", session("7", T0S + 720, T0S + 720, 1)),
                KeyValue.pair("7", session("7", T0S, T0S + 720, 4))),
                pulse.read(Topics.USER_SESSIONS));
        }
    }

    // --- enriched-clicks, enriched-purchases -------------------------------------------------

    @Test
    void enrichesClicksWithTheProfileAndTheCatalogProductAndKeepsClicksWithoutAProfile() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.USER_PROFILES, "alice", "{\"name\": \"Alice\", \"age\": 25}", T0);
            pulse.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": 999}", T0);

            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-1", T0S + 1), T0);
            pulse.send(Topics.USER_CLICKS, "bob", click("bob", "/products", null, T0S + 2), T0);
            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-404", T0S + 3), T0);
            pulse.send(Topics.USER_PROFILES, "alice", null, T0);
            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/home", null, T0S + 4), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"product\":\"product-1\",\"timestamp\":" + (T0S + 1)
                    + ",\"user_name\":\"Alice\",\"user_age\":25,\"product_name\":\"Laptop\",\"product_price\":999}"),
                KeyValue.pair("bob", "{\"user\":\"bob\",\"page\":\"/products\",\"timestamp\":" + (T0S + 2)
                    + ",\"user_name\":null,\"user_age\":null}"),
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"product\":\"product-404\",\"timestamp\":" + (T0S + 3)
                    + ",\"user_name\":\"Alice\",\"user_age\":25,\"product_name\":null,\"product_price\":null}"),
                KeyValue.pair("alice", "{\"user\":\"alice\",\"page\":\"/home\",\"timestamp\":" + (T0S + 4)
                    + ",\"user_name\":null,\"user_age\":null}")),
                pulse.read(Topics.ENRICHED_CLICKS));
        }
    }

    @Test
    void enrichesPurchasesFromTheCatalogWithNullsForAnUnknownProduct() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": 999.5}", T0);

            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 60), T0);
            pulse.send(Topics.PURCHASES, null, purchase("bob", "product-2", T0S + 61), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", "{\"user\":\"alice\",\"product\":\"product-1\",\"amount\":999.0,\"timestamp\":" + (T0S + 60)
                    + ",\"product_name\":\"Laptop\",\"product_price\":999.5}"),
                KeyValue.pair("bob", "{\"user\":\"bob\",\"product\":\"product-2\",\"amount\":999.0,\"timestamp\":" + (T0S + 61)
                    + ",\"product_name\":null,\"product_price\":null}")),
                pulse.read(Topics.ENRICHED_PURCHASES));
        }
    }

    @Test
    void skipsACatalogValueThatIsNotAProductAndKeepsEnriching() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            // In production the deserialization handler also sends it to the dead-letter topic.
            pulse.send(Topics.PRODUCT_CATALOG, "product-1", "Laptop, 999", T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S), T0);
            pulse.send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": \"999\"}", T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 1), T0);

            List<KeyValue<String, String>> enriched = pulse.read(Topics.ENRICHED_PURCHASES);
            assertEquals(2, enriched.size());
            assertTrue(enriched.get(0).value.endsWith("\"product_name\":null,\"product_price\":null}"), enriched.get(0).value);
            assertTrue(enriched.get(1).value.endsWith("\"product_name\":\"Laptop\",\"product_price\":999}"), enriched.get(1).value);
        }
    }

    // --- click-purchases ---------------------------------------------------------------------

    @Test
    void matchesAPurchaseAtOrAfterAClickUpToOneHourLaterButNotOneSecondMore() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "early", T0S - 1), T0);
            pulse.send(Topics.USER_CLICKS, "alice", click("alice", "/home", "product-1", T0S), T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "same-second", T0S), T0);
            pulse.send(Topics.PURCHASES, "bob", purchase("bob", "other-user", T0S + 60), T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "product-1", T0S + 60), T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "one-hour", T0S + 3600), T0);
            pulse.send(Topics.PURCHASES, "alice", purchase("alice", "one-hour-one-second", T0S + 3601), T0);

            assertEquals(List.of(
                KeyValue.pair("alice", conversion("alice", "product-1", "same-second", 0)),
                KeyValue.pair("alice", conversion("alice", "product-1", "product-1", 60)),
                KeyValue.pair("alice", conversion("alice", "product-1", "one-hour", 3600))),
                pulse.read(Topics.CLICK_PURCHASES));
        }
    }

    // --- dead-letter-queue -------------------------------------------------------------------

    @Test
    void sendsUndecodableRecordsOfEveryInputToTheDeadLetterQueueAndKeepsProcessing() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            Map<String, String> bad = new java.util.LinkedHashMap<>();
            bad.put(Topics.WORD_COUNTS, "{\"word\": ");
            bad.put(Topics.USER_EVENTS, "[1, 2]");
            bad.put(Topics.USER_CLICKS, "{\"page\": \"/home\"}");
            bad.put(Topics.PURCHASES, "{\"user\": \"alice\", \"product\": \"p\", \"timestamp\": -5}");
            bad.put(Topics.USER_PROFILES, "\"just a string\"");
            bad.forEach((topic, value) -> pulse.send(topic, "k", value, T0));
            // The listeners that read these two topics dead-letter their bad records; the topology only
            // drops them, so each reaches the dead-letter queue once.
            pulse.send(Topics.INPUT_TOPIC, "k", "{\"value\": \"ten\", \"category\": \"A\"}", T0);
            pulse.send(Topics.REAL_TIME_DATA, "k", "Temperature: hot", T0);
            pulse.sendBytes(Topics.WORD_COUNTS, "k", new byte[] {(byte) 0xC3, (byte) 0x28}, T0);

            List<TestRecord<String, String>> letters = pulse.readRecords(Topics.DEAD_LETTER_QUEUE);
            assertEquals(bad.size() + 1, letters.size(), letters::toString);
            Map<String, String> errors = new HashMap<>();
            for (TestRecord<String, String> letter : letters) {
                JsonNode value = parse(letter.value());
                String source = value.get("source_topic").getStringValue();
                assertEquals("k", letter.key());
                assertEquals(source, header(letter, DeadLetter.HEADER_SOURCE_TOPIC));
                assertEquals(value.get("error").getStringValue(), header(letter, DeadLetter.HEADER_ERROR));
                assertEquals("0", header(letter, DeadLetter.HEADER_SOURCE_PARTITION));
                assertEquals(String.valueOf(value.get("offset").getLongValue()), header(letter, DeadLetter.HEADER_SOURCE_OFFSET));
                if (!"base64".equals(value.get("original_encoding").getStringValue())) {
                    assertEquals(bad.get(source), value.get("original_record").getStringValue());
                    errors.put(source, value.get("error").getStringValue());
                } else {
                    assertEquals("wyg=", value.get("original_record").getStringValue());
                    assertEquals("value is not valid UTF-8", value.get("error").getStringValue());
                }
            }
            assertFalse(errors.containsKey(Topics.INPUT_TOPIC) || errors.containsKey(Topics.REAL_TIME_DATA), errors::toString);
            assertEquals("field 'user': expected a non-empty string, got nothing", errors.get(Topics.USER_CLICKS));
            assertTrue(errors.get(Topics.PURCHASES).startsWith("field 'timestamp'"), errors.get(Topics.PURCHASES));
            assertTrue(errors.get(Topics.WORD_COUNTS).startsWith("not valid JSON"), errors.get(Topics.WORD_COUNTS));

            // The same partitions go on with the next good record.
            pulse.send(Topics.WORD_COUNTS, "k", "still running", T0);
            pulse.send(Topics.USER_CLICKS, "k", click("alice", "/home", null, T0S), T0);
            pulse.send(Topics.INPUT_TOPIC, "k", "{\"value\": 10, \"category\": \"A\"}", T0);
            assertEquals(List.of(KeyValue.pair("still", "1"), KeyValue.pair("running", "1")), pulse.read(Topics.WORD_TOTALS));
            assertEquals(1, pulse.read(Topics.AGGREGATED_TOPIC).size(), "input-topic goes on after the dropped record");
            assertEquals(List.of(KeyValue.pair("alice", "1")), pulse.read(Topics.CLICK_COUNTS));
        }
    }

    @Test
    void sendsATableRecordWithoutKeyToTheDeadLetterQueue() {
        try (Pulse pulse = new Pulse(AggregatesProperties.defaults())) {
            pulse.send(Topics.USER_PROFILES, null, "{\"name\": \"Nobody\"}", T0);

            List<TestRecord<String, String>> letters = pulse.readRecords(Topics.DEAD_LETTER_QUEUE);
            assertEquals(1, letters.size());
            assertEquals("no key: expected the user as the record key", header(letters.get(0), DeadLetter.HEADER_ERROR));
        }
    }

    @Test
    void namesEveryProcessorStoreAndRepartitionTopic() {
        StreamsBuilder builder = new StreamsBuilder();
        AggregatesTopology.build(builder, AggregatesProperties.defaults(), UnaryOperator.identity(),
            new EventDecoder(jsonMapper), jsonMapper);
        String description = builder.build().describe().toString();

        assertFalse(description.matches("(?s).*\\b(KSTREAM|KTABLE)-[A-Z-]+-\\d{10}.*"),
            "generated names left in:\n" + description);
        for (String store : List.of(AggregateStores.WORD_COUNTS, AggregateStores.CATEGORY_AGGREGATES,
            AggregateStores.CATEGORY_WINDOWS, AggregateStores.EVENT_COUNTS, AggregateStores.HOME_CLICKS,
            AggregateStores.PAGE_VIEWS, AggregateStores.TOP_PAGES, AggregateStores.DEVICE_AVERAGES,
            AggregateStores.DEVICE_LATEST, AggregateStores.USER_SESSIONS)) {
            assertTrue(description.contains(store), store);
        }
    }

    @Test
    void leavesOutAnApplicationServerWithARandomPortOnly() {
        Properties random = new Properties();
        random.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "localhost:-1");
        AggregatesTopology.dropUnknownEndpoint(random);
        assertFalse(random.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG));

        Properties fixed = new Properties();
        fixed.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "pulse-1.internal:8080");
        AggregatesTopology.dropUnknownEndpoint(fixed);
        assertEquals("pulse-1.internal:8080", fixed.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG));
    }

    // --- helpers -----------------------------------------------------------------------------

    private static String record(int id, Object timestamp, double value, String category) {
        return "{\"id\": " + id + ", \"timestamp\": " + timestamp + ", \"value\": " + value + ", \"category\": \"" + category + "\"}";
    }

    private static String userEvent(int user, String type, String page, String timestamp) {
        return "{\"user_id\": " + user + ", \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"" + page
            + "\", \"duration\": 45}" + (timestamp == null ? "" : ", \"timestamp\": " + timestamp) + "}";
    }

    private static String click(String user, String page, String product, long timestamp) {
        return "{\"user\": \"" + user + "\", \"page\": \"" + page + "\""
            + (product == null ? "" : ", \"product\": \"" + product + "\"") + ", \"timestamp\": " + timestamp + "}";
    }

    private static String purchase(String user, String product, long timestamp) {
        return "{\"user\": \"" + user + "\", \"product\": \"" + product + "\", \"amount\": 999.0, \"timestamp\": " + timestamp + "}";
    }

    private static String session(String user, long start, long end, long events) {
        return "{\"user\":\"" + user + "\",\"session_start\":" + start + ",\"session_end\":" + end + ",\"events\":" + events + "}";
    }

    private static String conversion(String user, String clicked, String purchased, long seconds) {
        return "{\"user\":\"" + user + "\",\"clicked_product\":\"" + clicked + "\",\"purchased_product\":\"" + purchased
            + "\",\"time_diff\":" + seconds + "}";
    }

    private JsonNode parse(String json) {
        try {
            return jsonMapper.readValue(json, JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private JsonNode field(String json, String name) {
        return parse(json).get(name);
    }

    private static String header(TestRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The production topology in a test driver; inputs as raw bytes, outputs as UTF-8 text. */
    private final class Pulse implements AutoCloseable {

        private final TopologyTestDriver driver;
        private final Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
        private final Map<String, TestOutputTopic<String, String>> outputs = new HashMap<>();

        Pulse(AggregatesProperties properties) {
            StreamsBuilder builder = new StreamsBuilder();
            AggregatesTopology.build(builder, properties, UnaryOperator.identity(), new EventDecoder(jsonMapper), jsonMapper);
            Topology topology = builder.build();
            Properties config = new Properties();
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, "pulse-aggregates-test");
            config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            // No cache: every update reaches the output at once, as the assertions list them.
            config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            // Production routes these to the dead-letter topic with a producer of its own (tested on its own).
            config.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class);
            driver = new TopologyTestDriver(topology, config, Instant.ofEpochMilli(T0));
        }

        void send(String topic, String key, String value, long timestampMs) {
            sendBytes(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), timestampMs);
        }

        void sendBytes(String topic, String key, byte[] value, long timestampMs) {
            inputs.computeIfAbsent(topic, t -> driver.createInputTopic(t, new StringSerializer(), new ByteArraySerializer()))
                .pipeInput(key, value, timestampMs);
        }

        List<KeyValue<String, String>> read(String topic) {
            return output(topic).readKeyValuesToList();
        }

        List<TestRecord<String, String>> readRecords(String topic) {
            return output(topic).readRecordsToList();
        }

        private TestOutputTopic<String, String> output(String topic) {
            return outputs.computeIfAbsent(topic,
                t -> driver.createOutputTopic(t, new StringDeserializer(), new StringDeserializer()));
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
