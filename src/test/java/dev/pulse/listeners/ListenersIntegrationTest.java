package dev.pulse.listeners;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listeners against the real broker and Redis: transform, temperature alerts, fraud alerts, dead letters,
 * health. Each test uses its own keys; the class its own topics.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListenersIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Inject
    JsonMapper json;

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    io.micronaut.configuration.kafka.ConsumerRegistry consumers;

    @Override
    public Map<String, String> extraProperties() {
        return topics.properties();
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void transformsEveryRecordAndDeadLettersEveryBadOneWithoutStopping() {
        String in = topics.name(Topics.INPUT_TOPIC);
        String run = UUID.randomUUID().toString();
        byte[] nearlyOneMegabyte = new byte[1_000_000];
        Arrays.fill(nearlyOneMegabyte, (byte) 'x');
        byte[] garbage = new byte[300];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (0xC3 ^ i * 7);
        }
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put("huge", nearlyOneMegabyte);
        bad.put("garbage", garbage);
        bad.put("wrong-type", utf8("{\"id\": 1, \"value\": \"ten\", \"category\": \"A\"}"));
        bad.put("missing", utf8("{\"id\": 2, \"value\": 3}"));
        bad.put("cut-off", utf8("{\"id\": 3, \"value\": 3, \"categ"));

        int good = 0;
        for (int i = 0; i < 40; i++) {
            kafka.send(in, "key-" + (i % 4), "{\"id\": %d, \"run\": \"%s\", \"timestamp\": 1700000000, \"value\": %d, \"category\": \"A\"}"
                .formatted(i, run, i));
            good++;
            if (i % 8 == 3) {
                String name = bad.keySet().stream().skip(i / 8).findFirst().orElseThrow();
                kafka.send(in, utf8("bad-" + name), bad.get(name), null);
            }
        }
        int expectedGood = good;

        List<Received> output = kafka.readUntil(topics.name(Topics.OUTPUT_TOPIC), r -> r.size() >= expectedGood, WAIT);
        List<Map<String, Object>> values = output.stream().map(r -> map(r.value())).toList();
        assertEquals(expectedGood, values.size());
        Map<Object, Long> perId = values.stream().collect(Collectors.groupingBy(v -> v.get("id"), Collectors.counting()));
        assertEquals(expectedGood, perId.size(), "each record once");
        for (Received record : output) {
            Map<String, Object> value = map(record.value());
            int id = ((Number) value.get("id")).intValue();
            assertEquals("key-" + (id % 4), record.key(), "key preserved");
            assertEquals(id * 2, ((Number) value.get("processed_value")).intValue());
            assertEquals(run, value.get("run"));
            assertTrue(((Number) value.get("processed_at")).doubleValue() > 1.7e9);
        }

        List<Received> letters = kafka.readUntil(topics.name(Topics.DEAD_LETTER_QUEUE),
            r -> r.stream().filter(x -> in.equals(x.headers().get(DeadLetter.HEADER_SOURCE_TOPIC))).count() >= bad.size(), WAIT);
        Map<String, Received> byKey = letters.stream().filter(x -> in.equals(x.headers().get(DeadLetter.HEADER_SOURCE_TOPIC)))
            .collect(Collectors.toMap(Received::key, Function.identity()));
        assertEquals(bad.size(), byKey.size(), byKey::toString);
        Map<String, Object> huge = map(byKey.get("bad-huge").value());
        assertEquals(false, huge.get("truncated"), "kept whole: the dead letter has the room");
        assertEquals(1_000_000, ((Number) huge.get("original_size")).intValue());
        assertEquals(1_000_000, huge.get("original_record").toString().length());
        assertEquals("base64", map(byKey.get("bad-garbage").value()).get("original_encoding"));
        assertTrue(map(byKey.get("bad-wrong-type").value()).get("error").toString().contains("field 'value'"));
        assertTrue(map(byKey.get("bad-missing").value()).get("error").toString().contains("field 'category'"));
        assertTrue(map(byKey.get("bad-cut-off").value()).get("error").toString().startsWith("not valid JSON"));
        for (Received letter : byKey.values()) {
            Map<String, Object> value = map(letter.value());
            assertEquals(value.get("error"), letter.headers().get(DeadLetter.HEADER_ERROR));
            assertEquals(in, value.get("source_topic"));
            assertEquals(value.get("partition").toString(), letter.headers().get(DeadLetter.HEADER_SOURCE_PARTITION));
            assertEquals(value.get("offset").toString(), letter.headers().get(DeadLetter.HEADER_SOURCE_OFFSET));
        }
    }

    @Test
    void raisesAndClearsOncePerExcursionAndTakesThresholdChangesWithoutARestart() throws Exception {
        String device = "dev-" + UUID.randomUUID();
        String sensors = topics.name(Topics.REAL_TIME_DATA);
        double[] temperatures = {40, 50, 50.5, 52, 49, 51, 45.1, 44.9, 30, 60, 47, 44, 41};
        long ts = 1_700_000_000L;
        for (double t : temperatures) {
            kafka.send(sensors, device, "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(device, t, ts++));
        }
        List<Map<String, Object>> alerts = alertsOf(device, 4);
        assertEquals(List.of("RAISED", "CLEARED", "RAISED", "CLEARED"), alerts.stream().map(a -> a.get("state")).toList());
        assertEquals("temp-" + device + "-1700000002000", alerts.get(0).get("alert_id"));
        assertEquals(alerts.get(0).get("alert_id"), alerts.get(1).get("alert_id"));
        assertEquals("temp-" + device + "-1700000009000", alerts.get(2).get("alert_id"));
        assertEquals(alerts.get(2).get("alert_id"), alerts.get(3).get("alert_id"));
        assertEquals(44.9, ((Number) alerts.get(1).get("temperature")).doubleValue());

        // A run-time threshold for this device: 70, hysteresis 2.
        kafka.send(topics.name(Topics.DEVICE_THRESHOLDS), device, "{\"threshold\": 70.0, \"hysteresis\": 2.0}");
        kafka.send(topics.name(Topics.DEVICE_THRESHOLDS), "other", "{\"threshold\": \"high\"}"); // a dead letter
        // Both records committed by the thresholds listener: the override is in Redis, the bad one dead-lettered. The
        // dead letter is awaited first: a transaction's commit marker reaches the offsets and the dead-letter
        // partition one after the other, so the committed offset can be seen before the dead letter can.
        Predicate<Received> thresholdLetter =
            x -> topics.name(Topics.DEVICE_THRESHOLDS).equals(x.headers().get(DeadLetter.HEADER_SOURCE_TOPIC));
        kafka.awaitRecords(topics.name(Topics.DEAD_LETTER_QUEUE),
            r -> r.stream().filter(thresholdLetter).count() >= 1, WAIT);
        kafka.awaitConsumed(topics.group("thresholds"), topics.name(Topics.DEVICE_THRESHOLDS), WAIT);
        kafka.assertNoMoreRecords(topics.name(Topics.DEAD_LETTER_QUEUE), thresholdLetter, 1);
        // plain-text readings carry the device in the key
        for (double t : new double[] {65, 69.9, 70.5, 68.5, 67.9}) {
            kafka.send(sensors, utf8(device), utf8("Temperature: " + t + "C"), 1_700_000_100_000L + (long) (t * 10));
        }
        List<Map<String, Object>> more = alertsOf(device, 6);
        assertEquals(List.of("RAISED", "CLEARED"), more.subList(4, 6).stream().map(a -> a.get("state")).toList());
        assertEquals(70.0, ((Number) more.get(4).get("threshold")).doubleValue());
        assertEquals(70.5, ((Number) more.get(4).get("temperature")).doubleValue());
        assertEquals(67.9, ((Number) more.get(5).get("temperature")).doubleValue());
    }

    @Test
    void firesEachFraudRuleOnItsPatternAndNothingForANormalCard() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tx = topics.name(Topics.TRANSACTIONS);
        long t0 = 1_700_000_000L;
        // normal: 12 purchases, 10 minutes apart, one country, modest amounts
        for (int i = 0; i < 12; i++) {
            send(tx, "normal-" + run, "n" + i + "-" + run, 20 + i * 3, "DE", t0 + i * 600L, null);
        }
        send(tx, "large-" + run, "l1-" + run, 12_500, "DE", t0, null);
        for (int i = 0; i < 6; i++) {
            send(tx, "velocity-" + run, "v" + i + "-" + run, 5, "DE", t0 + i * 5L, null);
        }
        for (int i = 0; i < 5; i++) {
            send(tx, "spike-" + run, "s" + i + "-" + run, 100, "DE", t0 + i * 3600L, null);
        }
        send(tx, "spike-" + run, "s5-" + run, 900, "DE", t0 + 6 * 3600L, null);
        send(tx, "travel-" + run, "p0-" + run, 40, "DE", t0, null);
        send(tx, "travel-" + run, "p1-" + run, 40, "US", t0 + 1200, null);
        send(tx, "plane-" + run, "q0-" + run, 40, "DE", t0, "\"lat\": 52.52, \"lon\": 13.405");
        send(tx, "plane-" + run, "q1-" + run, 40, "DE", t0 + 1800, "\"lat\": 48.137, \"lon\": 11.575"); // Munich: 504 km in 30 min

        kafka.awaitRecords(topics.name(Topics.FRAUD_ALERTS),
            r -> r.stream().filter(x -> x.key().endsWith(run)).count() >= 5, WAIT);
        // Anything more would be a wrong alert: once the listener has committed every payment, all its alerts are in.
        kafka.awaitConsumed(topics.group("fraud"), tx, WAIT);
        List<Received> read = kafka.readToEnd(topics.name(Topics.FRAUD_ALERTS));
        Map<String, List<Object>> rulesByCard = read.stream().filter(x -> x.key().endsWith(run))
            .collect(Collectors.groupingBy(x -> x.key().substring(0, x.key().indexOf('-')),
                Collectors.mapping(x -> map(x.value()).get("rule"), Collectors.toList())));
        assertEquals(Map.of("large", List.of("LARGE_AMOUNT"), "velocity", List.of("VELOCITY"),
            "spike", List.of("AMOUNT_SPIKE"), "travel", List.of("IMPOSSIBLE_TRAVEL"), "plane", List.of("IMPOSSIBLE_TRAVEL")),
            rulesByCard);
        Map<String, Object> velocity = read.stream().filter(x -> x.key().equals("velocity-" + run))
            .map(x -> map(x.value())).findFirst().orElseThrow();
        assertEquals("fraud-VELOCITY-v5-" + run, velocity.get("alert_id"));
        assertEquals("v5-" + run, velocity.get("transaction_id"));
        assertEquals(6, ((Number) ((Map<?, ?>) velocity.get("evidence")).get("count")).intValue());
        assertTrue(velocity.get("reason").toString().contains("within 60 s"));
    }

    @Test
    void reportsTheListenersInHealthAndAPausedOneAsDown() {
        kafka.send(topics.name(Topics.INPUT_TOPIC), "h", "{\"id\": -1, \"value\": 1, \"category\": \"H\"}");
        kafka.readUntil(topics.name(Topics.OUTPUT_TOPIC), r -> r.stream().anyMatch(x -> "h".equals(x.key())), WAIT);
        assertEquals("UP", component("pulseListeners").get("status"), () -> health().toString());
        assertEquals("UP", component("pulseListenerThreads").get("status"));

        consumers.pause("pulse-fraud-alerts");
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertEquals("DOWN", component("pulseListeners").get("status")));
            Map<?, ?> listeners = component("pulseListeners");
            assertEquals("paused", ((Map<?, ?>) ((Map<?, ?>) listeners.get("details")).get("pulse-fraud-alerts")).get("problem"));
            assertEquals("UP", component("pulseListenerThreads").get("status"), "paused is not dead: no restart");
        } finally {
            consumers.resume("pulse-fraud-alerts");
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .untilAsserted(() -> assertEquals("UP", component("pulseListeners").get("status")));

        String metrics = http.toBlocking().retrieve("/prometheus");
        assertTrue(metrics.contains("pulse_listener_records_total{listener=\"pulse-transform\"}"), metrics);
    }

    private Map<?, ?> health() {
        try {
            return http.toBlocking().retrieve("/health", Map.class);
        } catch (HttpClientResponseException e) {
            assertEquals(HttpStatus.SERVICE_UNAVAILABLE, e.getStatus(), "only 503 is an answer: " + e.getMessage());
            return e.getResponse().getBody(Map.class).orElseThrow();
        }
    }

    private Map<?, ?> component(String name) {
        return (Map<?, ?>) ((Map<?, ?>) health().get("details")).get(name);
    }

    private void send(String topic, String card, String id, double amount, String country, long ts, String extra) {
        kafka.send(topic, card, ("{\"transaction_id\": \"%s\", \"card_id\": \"%s\", \"amount\": %s, \"currency\": \"EUR\", "
            + "\"merchant\": \"m\", \"country\": \"%s\", \"timestamp\": %d%s}")
            .formatted(id, card, amount, country, ts, extra == null ? "" : ", " + extra));
    }

    /**
     * The device's alerts, once {@code count} have arrived and the alert listener has committed every reading: then
     * they are all it will write, and there must be exactly {@code count}.
     */
    private List<Map<String, Object>> alertsOf(String device, int count) throws Exception {
        String alerts = topics.name(Topics.TEMPERATURE_ALERTS);
        kafka.awaitRecords(alerts, r -> r.stream().filter(x -> device.equals(x.key())).count() >= count, WAIT);
        kafka.awaitConsumed(topics.group("sensor"), topics.name(Topics.REAL_TIME_DATA), WAIT);
        return kafka.assertNoMoreRecords(alerts, x -> device.equals(x.key()), count).stream()
            .map(x -> map(x.value())).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(String value) {
        try {
            return json.readValue(value, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
