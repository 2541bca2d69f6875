package dev.pulse.listeners;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis goes away for a few seconds while records arrive: the listeners retry with back-off, health turns DOWN while
 * they are stuck, nothing goes to the dead-letter queue, and once Redis is back every record is processed, once.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransientFailureIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Inject
    JsonMapper json;

    @Inject
    @Client("/")
    HttpClient http;

    @Override
    public Map<String, String> extraProperties() {
        Map<String, String> properties = new HashMap<>(topics.properties());
        properties.put("pulse.alerts.redis-timeout", "1s");
        properties.put("pulse.listeners.retry-initial", "100ms");
        properties.put("pulse.listeners.retry-max", "1s");
        properties.put("pulse.listeners.stuck-after", "2s");
        // The cards' transactions are stamped up to a couple of hours past the clock, to keep their windows apart.
        properties.put("pulse.time.max-future", "1d");
        return properties;
    }

    @AfterAll
    void closeClient() throws IOException {
        TestServers.redis().start(); // whatever happened, leave Redis running for the next test class
        kafka.close();
    }

    @Test
    void retriesThroughARedisOutageWithoutLosingOrDeadLetteringAnything() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String transactions = topics.name(Topics.TRANSACTIONS);
        String sensors = topics.name(Topics.REAL_TIME_DATA);
        long t0 = 1_700_000_000L;
        sendTx(transactions, "warm-" + run, "w-" + run, 20_000, t0);
        assertEquals(1, fraudAlerts(run, 1).size(), "the listener is up");

        TestServers.redis().stop();
        try {
            sendTx(transactions, "large-" + run, "l-" + run, 50_000, t0);
            for (int i = 0; i < 6; i++) {
                sendTx(transactions, "velocity-" + run, "v" + i + "-" + run, 5, t0 + i);
            }
            String device = "outage-" + run;
            double[] readings = {40, 60, 58, 30};
            for (int i = 0; i < readings.length; i++) {
                kafka.send(sensors, device, "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}"
                    .formatted(device, readings[i], t0 + i));
            }
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertEquals("DOWN", listenersHealth(), "stuck listeners show in health"));
            assertEquals(1, kafka.readToEnd(topics.name(Topics.FRAUD_ALERTS)).size(),
                "nothing processed while Redis is away");
        } finally {
            TestServers.redis().start();
        }

        Map<String, List<Object>> rules = fraudAlerts(run, 3).stream()
            .collect(Collectors.groupingBy(a -> a.get("card_id").toString().split("-")[0],
                Collectors.mapping(a -> a.get("rule"), Collectors.toList())));
        assertEquals(Map.of("warm", List.of("LARGE_AMOUNT"), "large", List.of("LARGE_AMOUNT"),
            "velocity", List.of("VELOCITY")), rules);

        kafka.awaitRecords(topics.name(Topics.TEMPERATURE_ALERTS), 2, WAIT);
        kafka.awaitConsumed(topics.group("sensor"), sensors, WAIT); // every alert of the readings is in by now
        List<Received> alerts = kafka.assertNoMoreRecords(topics.name(Topics.TEMPERATURE_ALERTS), 2);
        assertEquals(List.of("RAISED", "CLEARED"), alerts.stream().map(r -> map(r.value()).get("state")).toList());

        // Both listeners have committed all their input: a dead letter of it would be in the queue by now.
        List<Received> letters = kafka.readToEnd(topics.name(Topics.DEAD_LETTER_QUEUE));
        assertEquals(List.of(), letters.stream().map(r -> r.headers().get(DeadLetter.HEADER_ERROR)).toList(),
            "a transient failure never goes to the dead-letter queue");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
            assertEquals("UP", listenersHealth(), "healthy again once the listeners get through"));
    }

    /**
     * The fraud alerts, once {@code count} have arrived and the listener has committed every payment: then they are
     * all it will write, and there must be exactly {@code count}, all of this run.
     */
    private List<Map<String, Object>> fraudAlerts(String run, int count) throws Exception {
        kafka.awaitRecords(topics.name(Topics.FRAUD_ALERTS), count, WAIT);
        kafka.awaitConsumed(topics.group("fraud"), topics.name(Topics.TRANSACTIONS), WAIT);
        List<Map<String, Object>> alerts = kafka.assertNoMoreRecords(topics.name(Topics.FRAUD_ALERTS), count).stream()
            .map(r -> map(r.value())).toList();
        assertTrue(alerts.stream().allMatch(a -> a.get("card_id").toString().endsWith(run)), alerts::toString);
        return alerts;
    }

    private String listenersHealth() {
        Map<?, ?> health;
        try {
            health = http.toBlocking().retrieve("/health", Map.class);
        } catch (HttpClientResponseException e) {
            health = e.getResponse().getBody(Map.class).orElseThrow();
        }
        Map<?, ?> listeners = (Map<?, ?>) ((Map<?, ?>) health.get("details")).get("pulseListeners");
        return (String) listeners.get("status");
    }

    private void sendTx(String topic, String card, String id, double amount, long ts) {
        kafka.send(topic, card, ("{\"transaction_id\": \"%s\", \"card_id\": \"%s\", \"amount\": %s, \"country\": \"DE\", "
            + "\"timestamp\": %d}").formatted(id, card, amount, ts));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(String value) {
        try {
            return json.readValue(value, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }
}
