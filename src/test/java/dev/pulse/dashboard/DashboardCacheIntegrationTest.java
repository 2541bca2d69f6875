package dev.pulse.dashboard;

import dev.pulse.kafka.Topics;
import dev.pulse.redis.RedisConnector;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's cache against real Kafka and Redis: answers from state, then from Redis, replaced
 * the moment what they show changes, served from state while Redis is away and cached again after.
 * The click lists come from the topology's stores, so the tests send clicks and purchases, not outputs. The near
 * cache in front of Redis is off here, so that every read goes to Redis; it has its own test
 * ({@code DashboardNearCacheIntegrationTest}).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardCacheIntegrationTest implements RealServers {

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    JsonMapper json;

    @Inject
    MeterRegistry meters;

    @Inject
    RedisConnector redis;

    @Inject
    DashboardCache cache;

    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Override
    public Map<String, String> extraProperties() {
        return Map.of("pulse.dashboard.near-cache-max-bytes", "0");
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void readersThatMissTogetherShareOneComputation() throws Exception {
        String group = "single-flight-" + UUID.randomUUID();
        AtomicInteger computations = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> readerThreads = new CopyOnWriteArrayList<>();
        ExecutorService readers = Executors.newFixedThreadPool(8, task -> {
            Thread thread = new Thread(task, "cache-reader-" + readerThreads.size());
            readerThreads.add(thread);
            return thread;
        });
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(readers.submit(() -> cache.read("test", group, "one", () -> {
                    computations.incrementAndGet();
                    try {
                        release.await(10, TimeUnit.SECONDS); // held until every reader has asked
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Map.of("as_of", 1, "value", 42);
                })));
            }
            // Every reader has asked once the seven that did not compute wait for the one that does.
            await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(20))
                .until(() -> readerThreads.stream().filter(DashboardCacheIntegrationTest::waitsForAnotherReader).count() == 7);
            release.countDown();
            for (Future<String> answer : answers) {
                Map<?, ?> body = json.readValue(answer.get(10, TimeUnit.SECONDS), Map.class);
                assertEquals(42, body.get("value"));
                assertEquals("state", body.get("source"));
            }
            assertEquals(1, computations.get(), "one computation for eight readers of the same entry and version");
            Map<?, ?> next = json.readValue(cache.read("test", group, "one", () -> Map.of("as_of", 2, "value", 0)), Map.class);
            assertEquals("cache", next.get("source"), "the shared answer was cached");
            assertEquals(42, next.get("value"));
        } finally {
            readers.shutdownNow();
        }
    }

    /** Whether {@code thread} is inside {@link DashboardCache#read}, waiting for the answer another reader computes. */
    private static boolean waitsForAnotherReader(Thread thread) {
        StackTraceElement[] stack = thread.getStackTrace();
        for (int i = 1; i < stack.length; i++) {
            if (stack[i].getClassName().equals(DashboardCache.class.getName()) && stack[i].getMethodName().equals("read")
                && stack[i - 1].getClassName().equals(CompletableFuture.class.getName())
                && stack[i - 1].getMethodName().equals("get")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void answersFromStateThenFromCacheAndReplacesTheAnswerWhenTheListChanges() throws Exception {
        String user = "u-" + UUID.randomUUID();
        kafka.send(Topics.USER_CLICKS, user, click(user, "/home"));
        Map<?, ?> first = awaitItems("/api/users/" + user + "/clicks/enriched", 1);
        assertEquals("state", first.get("source"));

        double hitsBefore = hits("enriched-clicks");
        Map<?, ?> second = get("/api/users/" + user + "/clicks/enriched");
        assertEquals("cache", second.get("source"));
        assertEquals(first.get("items"), second.get("items"));
        assertEquals(first.get("as_of"), second.get("as_of"), "the cached answer shows the same state");
        assertEquals(hitsBefore + 1, hits("enriched-clicks"), 0.0);

        kafka.send(Topics.USER_CLICKS, user, click(user, "/cart"));
        Map<?, ?> third = awaitItems("/api/users/" + user + "/clicks/enriched", 2);
        assertEquals("state", third.get("source"), "a change replaces the cached answer at once, not after a TTL");
        // Both at the same event time: the later on the topic comes first.
        assertEquals("/cart", ((Map<?, ?>) ((List<?>) third.get("items")).get(0)).get("page"), "newest first");
        Map<?, ?> newest = (Map<?, ?>) ((List<?>) third.get("items")).get(0);
        assertTrue(newest.containsKey("user_name") && newest.get("user_name") == null, "enriched, without a profile");
    }

    @Test
    void servesFromStateWhileRedisIsDownAndCachesAgainWhenItReturns() throws Exception {
        String product = "p-" + UUID.randomUUID();
        String user = "u-" + UUID.randomUUID();
        String clicks = "/api/users/" + user + "/clicks/enriched";
        kafka.send(Topics.USER_CLICKS, user, "{\"user\": \"" + user + "\", \"page\": \"/p\", \"product\": \""
            + product + "\", \"timestamp\": " + System.currentTimeMillis() / 1000 + "}");
        // 503 until Kafka Streams runs (the test starts with the application)
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
            .until(() -> get(clicks).toString().contains(product));

        TestServers.redis().stop();
        try {
            // Pulse learns that Redis is gone when its connection closes (Lettuce's event loop): a read racing that
            // may still be a near hit.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(redis::away);
            Map<?, ?> down = get(clicks);
            assertEquals("state", down.get("source"));
            assertTrue(down.toString().contains(product), "the answer is complete without Redis");
        } finally {
            TestServers.redis().start();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> "cache".equals(get(clicks).get("source")));
    }

    @Test
    void openAlertsAreTheRaisedOnesNotYetCleared() throws Exception {
        String device = "d-" + UUID.randomUUID();
        String other = "d-" + UUID.randomUUID();
        kafka.send(Topics.REAL_TIME_DATA, device, reading(device, 60, 1));
        kafka.send(Topics.REAL_TIME_DATA, other, reading(other, 60, 2));
        kafka.send(Topics.REAL_TIME_DATA, other, reading(other, 40, 3));
        // 503 until the alert topics are read to their end (the test starts with the application)
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> ((List<?>) get("/api/alerts?type=temperature&state=all&limit=1000").get("items")).stream()
                .map(item -> (Map<?, ?>) item)
                .anyMatch(item -> other.equals(item.get("device_id")) && "CLEARED".equals(item.get("state"))));

        String open = get("/api/alerts?type=temperature&state=open&limit=1000").toString();
        assertTrue(open.contains(device), open);
        assertTrue(!open.contains(other), "a cleared excursion is not open: " + open);
        List<?> fraudOpen = (List<?>) get("/api/alerts?type=fraud&state=open").get("items");
        assertEquals(List.of(), fraudOpen, "fraud alerts are never open");
    }

    @Test
    void rejectsParametersOutOfRangeWithTheReason() {
        for (String path : List.of("/api/conversions?limit=0", "/api/conversions?limit=1001",
            "/api/alerts?type=weather", "/api/alerts?state=closed", "/api/users/x/clicks/enriched?limit=5000")) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().retrieve(HttpRequest.GET(path), String.class), path);
            assertEquals(HttpStatus.BAD_REQUEST, e.getStatus(), path);
            assertTrue(e.getResponse().getBody(Map.class).orElseThrow().get("error").toString().contains("'"), path);
        }
    }

    private Map<?, ?> awaitItems(String path, int count) {
        Map<?, ?>[] last = new Map<?, ?>[1];
        // 503 until Kafka Streams runs (the test starts with the application)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            last[0] = get(path);
            return ((List<?>) last[0].get("items")).size() >= count;
        });
        return last[0];
    }

    private Map<?, ?> get(String path) throws Exception {
        return json.readValue(http.toBlocking().retrieve(HttpRequest.GET(path), String.class), Map.class);
    }

    private double hits(String endpoint) {
        return meters.find("pulse.cache.hits").tag("endpoint", endpoint).counters().stream()
            .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private static String click(String user, String page) {
        return "{\"user\": \"" + user + "\", \"page\": \"" + page + "\", \"timestamp\": 1700000000}";
    }

    /** A reading of now + {@code second}: alert lists are newest first by event time, whatever other tests sent. */
    private static String reading(String device, double temperature, int second) {
        return "{\"device_id\": \"" + device + "\", \"temperature\": " + temperature + ", \"timestamp\": "
            + (System.currentTimeMillis() / 1000 - 60 + second) + "}";
    }
}
