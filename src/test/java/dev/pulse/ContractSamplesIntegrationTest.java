package dev.pulse;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire contract's own sample records, fed straight into every input topic as the tutorials'
 * clients would send them: each is accepted (nothing reaches the dead-letter queue) and shows up in
 * the outputs the contract derives from it.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContractSamplesIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    JsonMapper json;

    @Inject
    org.apache.kafka.streams.KafkaStreams streams;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Override
    public Map<String, String> extraProperties() {
        return topics.allTopicsProperties();
    }

    @BeforeAll
    void sendTheContractSamples() {
        // Samples go out once the Streams application runs, so what is measured is processing, not start-up.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
            .until(() -> streams.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
        // Tables first, so the joins find them.
        send(Topics.USER_PROFILES, "alice", "{\"name\": \"Alice\", \"age\": 25}");
        send(Topics.PRODUCT_CATALOG, "product-1", "{\"name\": \"Laptop\", \"price\": 999}");
        send(Topics.DEVICE_THRESHOLDS, "sensor_2", "{\"threshold\": 60.0, \"hysteresis\": 5.0}");
        send(Topics.WORD_COUNTS, null, "{\"word\": \"apple\"}");
        send(Topics.WORD_COUNTS, null, "An apple a day");
        send(Topics.REAL_TIME_DATA, "sensor_1", "{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": 1700000000}");
        send(Topics.REAL_TIME_DATA, "sensor_1", "Temperature: 30C");
        send(Topics.REAL_TIME_DATA, "sensor_2", "Temperature: 86F");
        send(Topics.INPUT_TOPIC, null, "{\"id\": 1, \"timestamp\": 1700000000, \"value\": 10, \"category\": \"A\"}");
        send(Topics.USER_EVENTS, "12345", "{\"user_id\": 12345, \"event_type\": \"page_view\", \"event_data\": "
            + "{\"page\": \"/products\", \"duration\": 45}, \"timestamp\": \"2025-01-15T10:00:00\"}");
        send(Topics.USER_CLICKS, "alice", "{\"user\": \"alice\", \"page\": \"/home\", \"product\": \"product-1\", \"timestamp\": 1609459200}");
        send(Topics.PURCHASES, "alice", "{\"user\": \"alice\", \"product\": \"product-1\", \"amount\": 999.0, \"timestamp\": 1609459260}");
        send(Topics.TRANSACTIONS, "c-1", "{\"transaction_id\": \"t-1\", \"card_id\": \"c-1\", \"amount\": 120.5, "
            + "\"currency\": \"EUR\", \"merchant\": \"m-9\", \"country\": \"DE\", \"timestamp\": 1700000000}");
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void transformsTheRecordAndRaisesTheTemperatureAlertOnce() throws Exception {
        Map<?, ?> output = value(await(Topics.OUTPUT_TOPIC, 1).get(0));
        assertEquals(20, ((Number) output.get("processed_value")).intValue());
        assertEquals("A", output.get("category"));

        List<Received> alerts = await(Topics.TEMPERATURE_ALERTS, 2);
        List<Object> states = new java.util.ArrayList<>();
        for (Received alert : alerts) {
            states.add(value(alert).get("state"));
        }
        assertEquals(List.of("RAISED", "CLEARED"), states,
            "52.5 °C raises, 30 °C clears; 86 °F = 30 °C under sensor_2's own 60 °C stays quiet");
        assertEquals(value(alerts.get(0)).get("alert_id"), value(alerts.get(1)).get("alert_id"));
    }

    @Test
    void countsWordsCategoriesEventsAndClicks() throws Exception {
        assertTrue(await(Topics.WORD_TOTALS, r -> "apple".equals(r.key()) && "2".equals(r.value())), "apple counted twice");
        assertTrue(await(Topics.AGGREGATED_TOPIC, r -> "A".equals(r.key())), "category A aggregated");
        assertTrue(await(Topics.EVENT_COUNTS, r -> r.key().startsWith("page_view@") && "1".equals(r.value())));
        assertTrue(await(Topics.CLICK_COUNTS, r -> "alice".equals(r.key()) && "1".equals(r.value())));
        assertTrue(await(Topics.TOP_PAGES, r -> r.value().contains("/products")));
        assertTrue(await(Topics.DEVICE_AVERAGES, r -> "sensor_1".equals(r.key())));
        assertTrue(await(Topics.USER_SESSIONS, r -> "alice".equals(r.key())), "alice's click is a session");
    }

    @Test
    void joinsClicksAndPurchasesWithTheTables() throws Exception {
        assertTrue(await(Topics.ENRICHED_CLICKS, r -> r.value().contains("\"user_name\":\"Alice\"")
            && r.value().contains("\"product_name\":\"Laptop\"")));
        assertTrue(await(Topics.ENRICHED_PURCHASES, r -> r.value().contains("\"product_name\":\"Laptop\"")));
        Map<?, ?> match = value(await(Topics.CLICK_PURCHASES, 1).get(0));
        assertEquals(60, ((Number) match.get("time_diff")).intValue());
    }

    @Test
    void acceptsEverySampleAndRaisesNoFraudOnANormalCard() throws Exception {
        // Wait for the last of the outputs above, then nothing may be in the dead-letter queue.
        await(Topics.CLICK_PURCHASES, 1);
        await(Topics.OUTPUT_TOPIC, 1);
        assertEquals(List.of(), kafka.read(topic(Topics.DEAD_LETTER_QUEUE), 1, Duration.ofSeconds(3)).stream()
            .map(Received::value).toList());
        assertEquals(List.of(), kafka.read(topic(Topics.FRAUD_ALERTS), 1, Duration.ofSeconds(3)));
    }

    private void send(String topic, String key, String value) {
        kafka.send(topic(topic), key, value);
    }

    private String topic(String contractName) {
        return topics.name(contractName);
    }

    private List<Received> await(String topic, int count) {
        List<Received> read = kafka.read(topic(topic), count, WAIT);
        assertTrue(read.size() >= count, () -> topic + ": " + read.size() + " of " + count + "; "
            + kafka.describeOffsets(topic(topic)) + "; " + streamsState());
        return read;
    }

    private boolean await(String topic, java.util.function.Predicate<Received> wanted) {
        boolean found = kafka.readUntil(topic(topic), r -> r.stream().anyMatch(wanted), WAIT).stream().anyMatch(wanted);
        if (!found) {
            System.err.println("not found on " + topic + "; " + kafka.describeOffsets(topic(topic)) + "; " + streamsState());
        }
        return found;
    }

    /** What the Streams application was doing, for a failure message: its threads' tasks and where they are. */
    private String streamsState() {
        StringBuilder stacks = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            if (thread.getName().contains("StreamThread")) {
                stacks.append("\n").append(thread.getName()).append(' ').append(thread.getState());
                java.util.Arrays.stream(frames).limit(25).forEach(frame -> stacks.append("\n    at ").append(frame));
            }
        });
        return "streams " + streams.state() + ", threads " + streams.metadataForLocalThreads() + stacks;
    }

    private Map<?, ?> value(Received record) throws Exception {
        return json.readValue(record.value(), Map.class);
    }
}
