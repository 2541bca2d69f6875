package dev.pulse.aggregates;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.configuration.kafka.streams.InteractiveQueryService;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlySessionStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Micronaut application with its aggregates stream on the real test broker: records go in on the
 * contract's input topics and every output topic of the stream is read back, end to end. Names and
 * keys carry a marker of this run (the broker is shared); event times lie an hour ahead of the clock,
 * aligned to five minutes, so records of other tests (older times) cannot close this run's windows.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregatesIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final long FIVE_MINUTES_MS = 300_000;

    private final String marker = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final long t = (System.currentTimeMillis() / FIVE_MINUTES_MS * FIVE_MINUTES_MS + 3_600_000) / 1000;
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final JsonMapper jsonMapper = JsonMapper.createDefault();

    @Inject
    InteractiveQueryService queries;

    @Override
    public Map<String, String> extraProperties() {
        try {
            return Map.of(
                // A group and state of its own: no rebalance with, or state from, another test's instance.
                "kafka.streams.default.application.id", "pulse-aggregates-it-" + marker,
                "kafka.streams.default.state.dir", Files.createTempDirectory("pulse-aggregates-it").toString(),
                "kafka.streams.default.commit.interval.ms", "200",
                // This run's event times lie up to 1 h 12 min ahead of the clock (see above).
                "pulse.time.max-future", "2h");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    void sendInputs() {
        // Tables first, so the joins find them.
        send(Topics.USER_PROFILES, "u-" + marker, "{\"name\": \"Alice\", \"age\": 25}");
        send(Topics.PRODUCT_CATALOG, "p-" + marker, "{\"name\": \"Laptop\", \"price\": 999}");

        send(Topics.WORD_COUNTS, null, "{\"word\": \"W" + marker + "\"}");
        send(Topics.WORD_COUNTS, null, "w" + marker + " and w" + marker);

        // Records of one windowed input share a Kafka key: one partition, so they reach the windows in the
        // order sent (the topology re-keys by the value). Across partitions, a later event could close a
        // window before an earlier one arrives, which is right but not what these checks are about.
        for (String record : List.of(record(t + 5, 10), record(t + 20, 20), record(t + 75, 1))) {
            send(Topics.INPUT_TOPIC, "r-" + marker, record);
        }

        String events = "ue-" + marker;
        send(Topics.USER_EVENTS, events, userEvent("s-" + marker, "page_view", t));
        send(Topics.USER_EVENTS, events, userEvent("e-" + marker, "type-" + marker, t + 1));
        send(Topics.USER_EVENTS, events, userEvent("e-" + marker, "type-" + marker, t + 2));

        send(Topics.REAL_TIME_DATA, "d-" + marker,
            "{\"device_id\": \"d-" + marker + "\", \"temperature\": 52.5, \"timestamp\": " + (t + 90) + "}");

        send(Topics.USER_CLICKS, "u-" + marker, click("u-" + marker, "/home", "p-" + marker, t + 100));
        send(Topics.USER_CLICKS, "n-" + marker, click("n-" + marker, "/home", null, t + 101));
        send(Topics.PURCHASES, "u-" + marker,
            "{\"user\": \"u-" + marker + "\", \"product\": \"p-" + marker + "\", \"amount\": 999.0, \"timestamp\": " + (t + 160) + "}");

        // Sessions of the user in the click's value; the producer keys the clicks otherwise.
        String sessionUser = "s-" + marker;
        send(Topics.USER_CLICKS, "sc-" + marker, click(sessionUser, "/a", null, t));
        send(Topics.USER_CLICKS, "sc-" + marker, click(sessionUser, "/b", null, t + 240));
        send(Topics.USER_CLICKS, "sc-" + marker, click(sessionUser, "/c", null, t + 720));
        // Once both sessions are on the topic, a click late but within grace, 4 min from both: it merges them.
        kafka.readUntil(Topics.USER_SESSIONS, read -> read.stream().anyMatch(r -> sessionUser.equals(r.key())
            && json(r).get("session_start").getLongValue() == t + 720), WAIT);
        send(Topics.USER_CLICKS, "sc-" + marker, click(sessionUser, "/d", null, t + 480));

        send(Topics.INPUT_TOPIC, "bad-" + marker, "{\"value\": \"" + marker + "\"");
        send(Topics.PRODUCT_CATALOG, "bad-" + marker, "Laptop " + marker);
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void countsWords() {
        Received total = last(Topics.WORD_TOTALS, r -> ("w" + marker).equals(r.key()) && "3".equals(r.value()));
        assertEquals("3", total.value());
    }

    @Test
    void aggregatesTheCategoryAndEmitsItsClosedWindowOnce() {
        Received aggregate = last(Topics.AGGREGATED_TOPIC, r -> marker.equals(r.key()) && json(r).get("count").getLongValue() == 3);
        assertEquals(31, json(aggregate).get("sum").getLongValue());

        Received window = last(Topics.WINDOWED_AGGREGATES, r -> marker.equals(r.key()));
        JsonNode value = json(window);
        assertEquals(t, value.get("window_start").getLongValue());
        assertEquals(t + 60, value.get("window_end").getLongValue());
        assertEquals(2, value.get("count").getLongValue());
        assertEquals(15, value.get("average").getLongValue());
    }

    @Test
    void countsEventTypesPerWindow() {
        Received count = last(Topics.EVENT_COUNTS,
            r -> ("type-" + marker + "@" + t * 1000).equals(r.key()) && "2".equals(r.value()));
        assertEquals("2", count.value());
    }

    @Test
    void listsTopPages() {
        Received top = last(Topics.TOP_PAGES, r -> String.valueOf(t).equals(r.key()) && r.value().contains("/page-" + marker));
        assertTrue(top.value().contains("{\"page\":\"/page-" + marker + "\",\"views\":1}"), top.value());
        assertEquals(t + 60, json(top).get("window_end").getLongValue());
    }

    @Test
    void mergesClickSessionsNamingTheSessionsTheMergedOneAbsorbed() {
        Received session = last(Topics.USER_SESSIONS, r -> ("s-" + marker).equals(r.key()) && json(r).get("events").getLongValue() == 4);
        assertEquals("{\"user\":\"s-" + marker + "\",\"session_start\":" + t + ",\"session_end\":" + (t + 720) + ",\"events\":4,"
                + "\"merged_from\":[{\"session_start\":" + t + ",\"session_end\":" + (t + 240) + "},"
                + "{\"session_start\":" + (t + 720) + ",\"session_end\":" + (t + 720) + "}]}",
            session.value());
    }

    @Test
    void averagesDevicesOverHoppingWindows() {
        Received average = last(Topics.DEVICE_AVERAGES,
            r -> ("d-" + marker).equals(r.key()) && json(r).get("window_start").getLongValue() == t + 60);
        assertEquals("{\"device_id\":\"d-" + marker + "\",\"window_start\":" + (t + 60) + ",\"window_end\":" + (t + 360)
            + ",\"count\":1,\"average\":52.5,\"min\":52.5,\"max\":52.5}", average.value());
    }

    @Test
    void countsHomeClicks() {
        assertEquals("1", last(Topics.CLICK_COUNTS, r -> ("u-" + marker).equals(r.key())).value());
    }

    @Test
    void enrichesClicksWithAndWithoutAProfile() {
        JsonNode known = json(last(Topics.ENRICHED_CLICKS, r -> ("u-" + marker).equals(r.key())));
        assertEquals("Alice", known.get("user_name").getStringValue());
        assertEquals(25, known.get("user_age").getIntValue());
        assertEquals("Laptop", known.get("product_name").getStringValue());
        assertEquals(999, known.get("product_price").getIntValue());

        JsonNode unknown = json(last(Topics.ENRICHED_CLICKS, r -> ("n-" + marker).equals(r.key())));
        assertTrue(unknown.get("user_name").isNull());
        assertTrue(unknown.get("user_age").isNull());
    }

    @Test
    void enrichesPurchasesFromTheCatalog() {
        JsonNode purchase = json(last(Topics.ENRICHED_PURCHASES, r -> ("u-" + marker).equals(r.key())));
        assertEquals("Laptop", purchase.get("product_name").getStringValue());
        assertEquals(999, purchase.get("product_price").getIntValue());
    }

    @Test
    void matchesAPurchaseToTheClickBeforeIt() {
        Received match = last(Topics.CLICK_PURCHASES, r -> ("u-" + marker).equals(r.key()));
        assertEquals("{\"user\":\"u-" + marker + "\",\"clicked_product\":\"p-" + marker + "\",\"purchased_product\":\"p-"
            + marker + "\",\"time_diff\":60}", match.value());
    }

    @Test
    void sendsAnUndecodableRecordToTheDeadLetterQueue() {
        Received letter = last(Topics.DEAD_LETTER_QUEUE,
            r -> ("bad-" + marker).equals(r.key()) && Topics.INPUT_TOPIC.equals(r.headers().get(DeadLetter.HEADER_SOURCE_TOPIC)));
        assertEquals(Topics.INPUT_TOPIC, json(letter).get("source_topic").getStringValue());
        assertEquals("{\"value\": \"" + marker + "\"", json(letter).get("original_record").getStringValue());
        assertEquals(Topics.INPUT_TOPIC, letter.headers().get(DeadLetter.HEADER_SOURCE_TOPIC));
        assertTrue(letter.headers().get(DeadLetter.HEADER_ERROR).startsWith("not valid JSON"), letter.headers().toString());
    }

    @Test
    void sendsACatalogValueThatIsNotAProductToTheDeadLetterQueue() {
        Received letter = last(Topics.DEAD_LETTER_QUEUE,
            r -> ("bad-" + marker).equals(r.key()) && Topics.PRODUCT_CATALOG.equals(r.headers().get(DeadLetter.HEADER_SOURCE_TOPIC)));
        assertEquals("Laptop " + marker, json(letter).get("original_record").getStringValue());
        assertTrue(json(letter).get("error").getStringValue().startsWith("not valid JSON"), letter.value());
    }

    @Test
    void answersInteractiveQueriesFromItsNamedStores() {
        countsWords();
        mergesClickSessionsNamingTheSessionsTheMergedOneAbsorbed();
        countsEventTypesPerWindow();
        Awaitility.await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            ReadOnlyKeyValueStore<String, Long> words = queries
                .getQueryableStore(AggregateStores.WORD_COUNTS, QueryableStoreTypes.<String, Long>keyValueStore())
                .orElseThrow();
            assertEquals(3L, words.get("w" + marker));

            ReadOnlyWindowStore<String, Long> eventCounts = queries
                .getQueryableStore(AggregateStores.EVENT_COUNTS, QueryableStoreTypes.<String, Long>windowStore())
                .orElseThrow();
            assertEquals(2L, eventCounts.fetch("type-" + marker, t * 1000));

            ReadOnlySessionStore<String, Long> sessions = queries
                .getQueryableStore(AggregateStores.USER_SESSIONS, QueryableStoreTypes.<String, Long>sessionStore())
                .orElseThrow();
            try (KeyValueIterator<Windowed<String>, Long> all = sessions.fetch("s-" + marker)) {
                KeyValue<Windowed<String>, Long> only = all.next();
                assertEquals(4L, only.value);
                assertEquals((t + 720) * 1000, only.key.window().end());
                assertFalse(all.hasNext(), "the merged sessions are gone");
            }
        });
    }

    // --- helpers -----------------------------------------------------------------------------

    /** The last record of {@code topic} that matches, once one has arrived. */
    private Received last(String topic, Predicate<Received> matches) {
        List<Received> read = kafka.readUntil(topic, r -> r.stream().anyMatch(matches), WAIT);
        List<Received> matching = read.stream().filter(matches).toList();
        assertTrue(!matching.isEmpty(), "nothing matching on " + topic + " within " + WAIT + "; read " + read.size());
        return matching.get(matching.size() - 1);
    }

    private void send(String topic, String key, String value) {
        kafka.send(topic, key, value);
    }

    private String record(long timestamp, int value) {
        return "{\"id\": 1, \"timestamp\": " + timestamp + ", \"value\": " + value + ", \"category\": \"" + marker + "\"}";
    }

    private String userEvent(String user, String type, long timestamp) {
        return "{\"user_id\": \"" + user + "\", \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"/page-"
            + marker + "\"}, \"timestamp\": " + timestamp + "}";
    }

    private static String click(String user, String page, String product, long timestamp) {
        return "{\"user\": \"" + user + "\", \"page\": \"" + page + "\""
            + (product == null ? "" : ", \"product\": \"" + product + "\"") + ", \"timestamp\": " + timestamp + "}";
    }

    private JsonNode json(Received record) {
        try {
            return jsonMapper.readValue(record.value(), JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + record.value(), e);
        }
    }
}
