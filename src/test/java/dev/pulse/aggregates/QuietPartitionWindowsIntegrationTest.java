package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.RealServers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producers that stop, against the running application (real broker, real Redis), with 10 s windows and 3 s grace:
 * <ul>
 * <li>tutorial 002's producer: ten records of {@code input-topic}, one a second, stamped with the second they are
 *     sent in, then nothing. {@code windowed-aggregates} gets every window exactly once, the last ones closed by the
 *     wall clock because no later record comes; a record for a closed window afterwards changes nothing and is
 *     counted as late; {@code GET /api/categories/A/windows} reports {@code closed} as what is on the topic;</li>
 * <li>a burst of {@code user-events}, then nothing: {@code event-counts} and {@code top-pages} (per update) carry the
 *     window's final values, the wall clock closes the window, and page views for it afterwards change neither
 *     topic nor the dashboard's answers, and are counted as late.</li>
 * </ul>
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuietPartitionWindowsIntegrationTest implements RealServers {

    private static final Logger LOG = LoggerFactory.getLogger(QuietPartitionWindowsIntegrationTest.class);
    private static final long WINDOW_S = 10;
    private static final long GRACE_S = 3;
    /** The issue's promise: each window within its end + grace + 5 s. */
    private static final long LIMIT_AFTER_END_MS = (GRACE_S + 5) * 1000;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final String windowed = topics.name(Topics.WINDOWED_AGGREGATES);

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    JsonMapper json;

    @Inject
    MeterRegistry meters;

    @Inject
    KafkaStreams streams;

    @Override
    public Map<String, String> extraProperties() {
        Map<String, String> properties = new HashMap<>(topics.allTopicsProperties());
        properties.put("pulse.aggregates.category-window", WINDOW_S + "s");
        properties.put("pulse.aggregates.event-count-window", WINDOW_S + "s");
        properties.put("pulse.aggregates.page-window", WINDOW_S + "s");
        properties.put("pulse.aggregates.grace", GRACE_S + "s");
        // A window the last records nearly reached closes once the partition has been quiet for the grace: up to
        // end + 2 x grace + this check; a check of 1 s (the default) would leave little of the 5 s for the rest.
        properties.put("pulse.aggregates.idle-close-check", "200ms");
        return properties;
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void aProducerThatStopsGetsEachWindowOnceAndClosedSaysWhatIsOnTheTopic() throws Exception {
        await("the category stores queryable").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
            .ignoreExceptions().until(() -> get("/api/categories") != null);

        ExecutorService producer = Executors.newSingleThreadExecutor();
        Future<List<Long>> sending = producer.submit(this::sendAsTheTutorialDoes);
        Map<String, Long> seenAtMs = new LinkedHashMap<>();
        int[] stamped = {0};
        List<Received> received = kafka.readUntil(windowed, records -> {
            long now = System.currentTimeMillis();
            for (; stamped[0] < records.size(); stamped[0]++) {
                seenAtMs.putIfAbsent(windowOf(records.get(stamped[0])), now);
            }
            return sending.isDone() && seenAtMs.keySet().containsAll(expectedWindows(sending));
        }, Duration.ofSeconds(90));
        producer.shutdown();
        List<Long> sentAt = sending.get();
        Set<String> expected = expectedWindows(sending);
        assertEquals(expected, new TreeSet<>(seenAtMs.keySet()), "every window of the records, and only those: " + received);

        for (Map.Entry<String, Long> seen : seenAtMs.entrySet()) {
            long endMs = (startOf(seen.getKey()) + WINDOW_S) * 1000;
            long afterEnd = seen.getValue() - endMs;
            LOG.info("window {} ({} s + {} s grace): on windowed-aggregates {} ms after its end (limit {} ms)",
                seen.getKey(), WINDOW_S, GRACE_S, afterEnd, LIMIT_AFTER_END_MS);
            assertTrue(afterEnd <= LIMIT_AFTER_END_MS, seen.getKey() + " came " + afterEnd + " ms after its end");
        }

        // A record for A's first window, which is closed: nothing changes, it is counted as late.
        long firstA = sentAt.get(0) - Math.floorMod(sentAt.get(0), WINDOW_S);
        Map<String, Object> firstAWindow = window("A", firstA);
        kafka.send(topics.name(Topics.INPUT_TOPIC), null, record(99, firstA + 1, 1000, "A"));
        await("the late record counted").atMost(Duration.ofSeconds(30)).until(() -> late() == 1.0);
        List<Received> all = kafka.readToEnd(windowed);
        Map<String, Long> perWindow = all.stream().collect(Collectors.groupingBy(this::windowOf, Collectors.counting()));
        assertEquals(expected, perWindow.keySet(), "no window after the late record: " + all);
        assertTrue(perWindow.values().stream().allMatch(n -> n == 1), "each window exactly once: " + all);
        assertEquals(firstAWindow.get("count"), window("A", firstA).get("count"), "the closed window did not change");

        // Every written window of A is reported closed (once the cached answer gives way).
        for (String written : expected.stream().filter(w -> w.startsWith("A@")).toList()) {
            await("closed " + written).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Boolean.TRUE.equals(window("A", startOf(written)).get("closed")));
        }

        // A window not written yet is open; it is reported closed once it is on the topic.
        long now = System.currentTimeMillis() / 1000;
        long openStart = now - Math.floorMod(now, WINDOW_S);
        kafka.send(topics.name(Topics.INPUT_TOPIC), null, record(100, now, 5, "A"));
        Map<String, Object> open = await("the open window listed").atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(100)).until(() -> window("A", openStart), w -> w != null);
        assertEquals(Boolean.FALSE, open.get("closed"), "open: " + open);
        assertFalse(kafka.readToEnd(windowed).stream().anyMatch(r -> windowOf(r).equals("A@" + openStart)),
            "reported open and not on the topic");
        kafka.awaitRecords(windowed, records -> records.stream().anyMatch(r -> windowOf(r).equals("A@" + openStart)),
            Duration.ofSeconds(WINDOW_S + GRACE_S + 10));
        LOG.info("window A@{} on windowed-aggregates {} ms after its end", openStart,
            System.currentTimeMillis() - (openStart + WINDOW_S) * 1000);
        await("the written window reported closed").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> Boolean.TRUE.equals(window("A", openStart).get("closed")));
    }

    @Test
    void aBurstOfUserEventsGetsItsFinalCountsAndTopPagesWhichLatePageViewsForTheClosedWindowNoLongerChange()
        throws Exception {
        await("the event counts queryable").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
            .ignoreExceptions().until(() -> get("/api/event-counts?from=0&to=1") != null);
        String userEvents = topics.name(Topics.USER_EVENTS);
        String eventCounts = topics.name(Topics.EVENT_COUNTS);
        String topPages = topics.name(Topics.TOP_PAGES);

        long second = System.currentTimeMillis() / 1000;
        long start = second - Math.floorMod(second, WINDOW_S);
        String[] pages = {"/a", "/b", "/a", "/b", "/a"};
        for (int i = 0; i < pages.length; i++) {
            kafka.send(userEvents, String.valueOf(i), userEvent(i, "page_view", pages[i], second));
        }
        kafka.send(userEvents, "9", userEvent(9, "click", "/a", second));
        long sentAt = System.currentTimeMillis();

        String pageViewKey = "page_view@" + start * 1000;
        kafka.awaitRecords(eventCounts, records -> last(records, pageViewKey).equals("5")
            && last(records, "click@" + start * 1000).equals("1"), Duration.ofSeconds(30));
        kafka.awaitRecords(topPages, records -> last(records, String.valueOf(start)).contains(
            "\"pages\":[{\"page\":\"/a\",\"views\":3},{\"page\":\"/b\",\"views\":2}]"), Duration.ofSeconds(30));
        LOG.info("the window's final event counts and top pages out {} ms after the last event was sent",
            System.currentTimeMillis() - sentAt);

        // The window closes on the wall clock, the partitions being quiet: at its end + grace, once they have been
        // for the grace. What each task's clock says (interactive queries) is the close, nothing on the topics is.
        long closesAtMs = (start + WINDOW_S + GRACE_S) * 1000;
        for (String clock : List.of(AggregateStores.EVENT_COUNTS_CLOCK, AggregateStores.PAGE_VIEWS_CLOCK)) {
            await("the windows of " + clock + " closed").atMost(Duration.ofSeconds(WINDOW_S + GRACE_S + 10))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> closedUpTo(clock), closed -> !closed.isEmpty() && closed.stream().allMatch(t -> t >= closesAtMs));
        }
        LOG.info("window {} closed by the wall clock {} ms after its end", start,
            System.currentTimeMillis() - (start + WINDOW_S) * 1000);

        // Two more views of /b for the closed window would put it first: they are late, and change nothing.
        kafka.send(userEvents, "7", userEvent(7, "page_view", "/b", second));
        kafka.send(userEvents, "8", userEvent(8, "page_view", "/b", second));
        await("the late page views counted").atMost(Duration.ofSeconds(30))
            .until(() -> late(Topics.EVENT_COUNTS) == 2.0 && late(Topics.TOP_PAGES) == 2.0);

        assertEquals("5", last(kafka.readToEnd(eventCounts), pageViewKey), "no count after the close");
        assertTrue(kafka.readToEnd(topPages).stream().filter(r -> r.key().equals(String.valueOf(start)))
                .noneMatch(r -> r.value().contains("{\"page\":\"/b\",\"views\":3}")),
            "no top pages with a late view");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> counts = (List<Map<String, Object>>) get("/api/event-counts?from=" + start + "&to="
            + (start + 1)).get("items");
        assertEquals(5, counts.stream().filter(c -> "page_view".equals(c.get("event_type")))
            .mapToInt(c -> ((Number) c.get("count")).intValue()).sum(), "the dashboard's count: " + counts);
        Map<?, ?> top = get("/api/pages/top?n=2");
        assertEquals(List.of(Map.of("page", "/a", "views", 3), Map.of("page", "/b", "views", 2)), top.get("pages"),
            "the dashboard's top pages: " + top);
    }

    /** The close time ({@link WindowClock#CLOSED_UP_TO}) of every task of a clock store on this instance. */
    private List<Long> closedUpTo(String clockStore) {
        ReadOnlyKeyValueStore<String, Long> store = streams.store(StoreQueryParameters.fromNameAndType(clockStore,
            QueryableStoreTypes.keyValueStore()));
        List<Long> closed = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = store.all()) {
            all.forEachRemaining(kv -> {
                if (kv.key.equals(WindowClock.CLOSED_UP_TO)) {
                    closed.add(kv.value);
                }
            });
        }
        return closed;
    }

    /** The value of the last record with {@code key}, or "" for none. */
    private static String last(List<Received> records, String key) {
        String value = "";
        for (Received record : records) {
            if (key.equals(record.key())) {
                value = record.value();
            }
        }
        return value;
    }

    private static String userEvent(int user, String type, String page, long timestamp) {
        return "{\"user_id\": " + user + ", \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"" + page
            + "\", \"duration\": 45}, \"timestamp\": " + timestamp + "}";
    }

    /** As tutorial 002's producer: {@code timestamp} is the whole second of sending, one record a second. */
    private List<Long> sendAsTheTutorialDoes() throws InterruptedException {
        List<Long> sentAt = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long second = System.currentTimeMillis() / 1000;
            kafka.send(topics.name(Topics.INPUT_TOPIC), null, record(i, second, i * 10, i % 2 == 0 ? "A" : "B"));
            sentAt.add(second);
            Thread.sleep(1000); // the producer's pace (time.sleep(1)), not a wait for a result
        }
        return sentAt;
    }

    /** "category@window start" of every record sent: the windows that must be written. */
    private static Set<String> expectedWindows(Future<List<Long>> sending) {
        try {
            List<Long> sentAt = sending.get();
            Set<String> windows = new TreeSet<>();
            for (int i = 0; i < sentAt.size(); i++) {
                long second = sentAt.get(i);
                windows.add((i % 2 == 0 ? "A" : "B") + "@" + (second - Math.floorMod(second, WINDOW_S)));
            }
            return windows;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String windowOf(Received record) {
        Map<?, ?> value = parse(record.value());
        return record.key() + "@" + ((Number) value.get("window_start")).longValue();
    }

    private static long startOf(String window) {
        return Long.parseLong(window.substring(window.indexOf('@') + 1));
    }

    /** The category's window starting at {@code start} as {@code GET /api/categories/{c}/windows} lists it, or null. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> window(String category, long start) throws IOException {
        List<Map<String, Object>> items = (List<Map<String, Object>>) get("/api/categories/" + category
            + "/windows?from=" + start + "&to=" + (start + 1)).get("items");
        return items.stream().filter(w -> ((Number) w.get("window_start")).longValue() == start).findFirst().orElse(null);
    }

    private double late() {
        return late(Topics.WINDOWED_AGGREGATES);
    }

    private double late(String aggregate) {
        Counter counter = meters.find("pulse.late.records").tag("aggregate", aggregate).counter();
        return counter == null ? 0.0 : counter.count();
    }

    private Map<?, ?> get(String path) throws IOException {
        return parse(http.toBlocking().retrieve(HttpRequest.GET(path), String.class));
    }

    private Map<?, ?> parse(String body) {
        try {
            return json.readValue(body, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static String record(int id, long timestamp, int value, String category) {
        return "{\"id\": " + id + ", \"timestamp\": " + timestamp + ", \"value\": " + value + ", \"category\": \""
            + category + "\"}";
    }
}
