package dev.pulse.dashboard;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's aggregate reads on the real broker and Redis: each answer matches the aggregates
 * the running topology computed from the inputs, from state first and from the cache after.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardAggregatesIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Event time of the user events: on a 5-minute boundary. */
    private static final long BASE = 1_700_000_100L;

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    JsonMapper json;

    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final String id = UUID.randomUUID().toString().substring(0, 8);

    /**
     * Topics of this class alone: event time is per partition, so another class's records with later
     * timestamps on the shared topics would make these ones late.
     */
    @Override
    public Map<String, String> extraProperties() {
        Map<String, String> topics = new java.util.HashMap<>();
        for (String topic : Topics.INPUTS) {
            topics.put("pulse.topics." + topic, topic(topic));
        }
        for (String topic : Topics.OUTPUTS) {
            topics.put("pulse.topics." + topic, topic(topic));
        }
        return topics;
    }

    private String topic(String contractName) {
        return contractName + "-dash-" + id;
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void countsAWordAndReplacesTheCachedCountWhenItChanges() throws Exception {
        String word = "zebra" + id;
        for (int i = 0; i < 3; i++) {
            kafka.send(topic(Topics.WORD_COUNTS), null, "{\"word\": \"" + word.toUpperCase() + "\"}");
        }
        Map<?, ?> counted = awaitGet("/api/words/" + word, a -> number(a, "count") == 3);
        assertEquals(word, counted.get("word"));
        assertEquals("cache", get("/api/words/" + word).get("source"), "the second read is a cache hit");

        kafka.send(topic(Topics.WORD_COUNTS), null, word + " and more");
        // The change replaces the cached answer: with the total the feed read on word-totals ("source": "cache"), or
        // with one a read computed from the stores before the feed got there ("state").
        awaitGet("/api/words/" + word, a -> number(a, "count") == 4);
        assertEquals(4, number(get("/api/words/" + word), "count"), "no read goes back to the old answer");
        assertEquals(0, number(get("/api/words/never-seen-" + id), "count"));

        // The top words are published once per commit interval: at most that after the count.
        awaitGet("/api/words?top=1000", a -> ((List<?>) a.get("items")).contains(Map.of("word", word, "count", 4)));
    }

    @Test
    void aggregatesACategoryOverallAndPerWindow() throws Exception {
        String category = "cat-" + id;
        long t = 1_700_000_040L; // inside the 60 s window starting 1700000040
        for (int v : new int[] {10, 20, 30}) {
            kafka.send(topic(Topics.INPUT_TOPIC), null, "{\"id\": 1, \"timestamp\": " + t + ", \"value\": " + v
                + ", \"category\": \"" + category + "\"}");
        }
        kafka.send(topic(Topics.INPUT_TOPIC), null, "{\"id\": 2, \"timestamp\": " + (t + 60) + ", \"value\": 5, \"category\": \""
            + category + "\"}");

        Map<?, ?> item = await().atMost(WAIT).ignoreExceptions().until(() -> find(get("/api/categories"), "category", category),
            i -> i != null && number(i, "count") == 4);
        assertEquals(65.0, number(item, "sum"));
        assertEquals(16.25, number(item, "average"));
        assertEquals(5.0, number(item, "min"));
        assertEquals(30.0, number(item, "max"));

        List<?> windows = (List<?>) awaitGet("/api/categories/" + category + "/windows?from=" + t + "&to=" + (t + 120),
            a -> ((List<?>) a.get("items")).size() == 2).get("items");
        Map<?, ?> newest = (Map<?, ?>) windows.get(0);
        Map<?, ?> older = (Map<?, ?>) windows.get(1);
        assertEquals(t + 60.0, number(newest, "window_start"), "newest first");
        assertEquals(3, number(older, "count"));
        assertEquals(20.0, number(older, "average"));
        // Both windows lie long before the clock: once the partition has been quiet for the grace, they are
        // written to windowed-aggregates, and then reported closed.
        awaitGet("/api/categories/" + category + "/windows?from=" + t + "&to=" + (t + 120),
            a -> ((List<?>) a.get("items")).stream().allMatch(w -> Boolean.TRUE.equals(((Map<?, ?>) w).get("closed"))));
        kafka.awaitRecords(topic(Topics.WINDOWED_AGGREGATES),
            r -> r.stream().filter(w -> category.equals(w.key())).count() >= 2, WAIT);
        kafka.assertNoMoreRecords(topic(Topics.WINDOWED_AGGREGATES), w -> category.equals(w.key()), 2);
        List<?> none = (List<?>) get("/api/categories/" + category + "/windows?from=" + (t + 120) + "&to=" + (t + 180))
            .get("items");
        assertEquals(List.of(), none);
    }

    @Test
    void countsEventTypesPerFiveMinutesAndListsTheLatestTopPages() throws Exception {
        String type = "signup-" + id;
        for (int i = 0; i < 2; i++) {
            kafka.send(topic(Topics.USER_EVENTS), "42", "{\"user_id\": 42, \"event_type\": \"" + type
                + "\", \"timestamp\": " + BASE + "}");
        }
        Map<?, ?> counted = await().atMost(WAIT).ignoreExceptions().until(() -> find(get("/api/event-counts?from=" + BASE
            + "&to=" + (BASE + 300)), "event_type", type), i -> i != null && number(i, "count") == 2);
        assertEquals(BASE, number(counted, "window_start"));
        assertEquals(BASE + 300.0, number(counted, "window_end"));

        String page = "/page-" + id;
        for (String p : new String[] {page, page, "/other-" + id}) {
            kafka.send(topic(Topics.USER_EVENTS), "42", "{\"user_id\": 42, \"event_type\": \"page_view\", \"page\": \"" + p
                + "\", \"timestamp\": " + (BASE + 5) + "}");
        }
        Map<?, ?> top = awaitGet("/api/pages/top?n=1", a -> a.toString().contains(page));
        assertEquals(BASE, number(top, "window_start"));
        assertEquals(List.of(Map.of("page", page, "views", 2)), top.get("pages"), "the top 1 only");
    }

    @Test
    void answersAUsersHomeClicksAndSessions() throws Exception {
        String user = "user-" + id;
        for (String page : new String[] {"/home", "/cart", "/home"}) {
            kafka.send(topic(Topics.USER_CLICKS), user, "{\"user\": \"" + user + "\", \"page\": \"" + page
                + "\", \"timestamp\": 1609459200}");
        }
        awaitGet("/api/users/" + user + "/home-clicks", a -> number(a, "count") == 2);
        assertEquals(0, number(get("/api/users/nobody-" + id + "/home-clicks"), "count"));

        // Sessions are of the user's clicks (the user in the value, whatever the key): the three above are one, these two
        // a later one.
        for (long time : new long[] {BASE, BASE + 60}) {
            kafka.send(topic(Topics.USER_CLICKS), "not-" + user, "{\"user\": \"" + user + "\", \"page\": \"/cart\", \"timestamp\": "
                + time + "}");
        }
        List<?> sessions = (List<?>) awaitGet("/api/users/" + user + "/sessions",
            a -> a.toString().contains("events=2")).get("items");
        assertEquals(2, sessions.size(), "newest first: " + sessions);
        assertEquals(BASE, number((Map<?, ?>) sessions.get(0), "session_start"));
        assertEquals(BASE + 60.0, number((Map<?, ?>) sessions.get(0), "session_end"));
        assertEquals(1609459200.0, number((Map<?, ?>) sessions.get(1), "session_start"));
        assertEquals(3, number((Map<?, ?>) sessions.get(1), "events"));
    }

    @Test
    void answersADeviceWithItsLatestReadingAndHoppingAverages() throws Exception {
        String device = "dev-" + id;
        kafka.send(topic(Topics.REAL_TIME_DATA), device, "{\"device_id\": \"" + device + "\", \"temperature\": 20.0, \"timestamp\": 1700000000}");
        kafka.send(topic(Topics.REAL_TIME_DATA), device, "{\"device_id\": \"" + device + "\", \"temperature\": 30.0, \"timestamp\": 1700000010}");
        // The first reading goes through readings-by-device (an instance learns the topic's partition count from it),
        // the second, keyed by its device on its partition, straight to the stores: it can show first.
        Map<?, ?> answer = awaitGet("/api/devices/" + device, a -> a.get("temperature") != null
            && number(a, "temperature") == 30.0 && ((List<?>) a.get("averages")).size() == 5
            && number((Map<?, ?>) ((List<?>) a.get("averages")).get(0), "count") == 2);
        assertEquals(1700000010.0, number(answer, "timestamp"));
        Map<?, ?> newest = (Map<?, ?>) ((List<?>) answer.get("averages")).get(0);
        assertEquals(25.0, number(newest, "average"));
        assertTrue(get("/api/devices").toString().contains(device), "listed among the devices");
    }

    @Test
    void rejectsBadRangesAndSizesWithTheReason() {
        for (String path : List.of("/api/event-counts?from=10&to=10", "/api/categories/x/windows?from=20&to=10",
            "/api/pages/top?n=0", "/api/words?top=1001")) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().retrieve(HttpRequest.GET(path), String.class), path);
            assertEquals(HttpStatus.BAD_REQUEST, e.getStatus(), path);
        }
    }

    @Test
    void rejectsATimeBeyondWhatAnInstantHoldsWithTheReason() throws Exception {
        for (String path : List.of("/api/event-counts?to=9223372036854775807", "/api/event-counts?from=-9223372036854775808",
            "/api/categories/x/windows?to=31556889864403200", "/api/categories/x/windows?from=0&to=9300000000000000")) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().retrieve(HttpRequest.GET(path), String.class), path);
            assertEquals(HttpStatus.BAD_REQUEST, e.getStatus(), path);
            String reason = (String) json.readValue(e.getResponse().getBody(String.class).orElseThrow(), Map.class).get("error");
            assertTrue(reason.matches("'(from|to)' must be epoch seconds within ±2305843009213693, got -?\\d+"), reason);
        }
    }

    private Map<?, ?> awaitGet(String path, java.util.function.Predicate<Map<?, ?>> done) {
        // 503 while the Streams application is still starting: keep asking.
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(getter(path), done::test);
    }

    private Callable<Map<?, ?>> getter(String path) {
        return () -> get(path);
    }

    private Map<?, ?> get(String path) throws Exception {
        return json.readValue(http.toBlocking().retrieve(HttpRequest.GET(path), String.class), Map.class);
    }

    private static Map<?, ?> find(Map<?, ?> answer, String field, String value) {
        return ((List<?>) answer.get("items")).stream().map(i -> (Map<?, ?>) i)
            .filter(i -> value.equals(i.get(field))).findFirst().orElse(null);
    }

    private static double number(Map<?, ?> map, String field) {
        return ((Number) map.get(field)).doubleValue();
    }
}
