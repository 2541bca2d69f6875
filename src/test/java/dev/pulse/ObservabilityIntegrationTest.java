package dev.pulse;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator scrapes and probes: Pulse's own metrics after good and bad records, alerts and
 * dashboard reads, the Kafka clients' metrics, and readiness with every part it depends on.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIntegrationTest implements RealServers {

    @Inject
    @Client("/")
    HttpClient http;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Override
    public Map<String, String> extraProperties() {
        return topics.allTopicsProperties();
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void exportsPulseAndKafkaMetricsAndIsReadyWithEveryPart() {
        kafka.send(topics.name(Topics.REAL_TIME_DATA), "s1", "{\"device_id\": \"s1\", \"temperature\": 61.0}");
        kafka.send(topics.name(Topics.REAL_TIME_DATA), "s1", "{\"device_id\": \"s1\", \"temperature\": \"hot\"}");
        kafka.send(topics.name(Topics.WORD_COUNTS), null, "{\"word\": 7}");
        kafka.send(topics.name(Topics.TRANSACTIONS), "c1", "{\"transaction_id\": \"t1\", \"card_id\": \"c1\", \"amount\": 25000}");
        kafka.read(topics.name(Topics.DEAD_LETTER_QUEUE), 2, Duration.ofSeconds(60));
        kafka.read(topics.name(Topics.FRAUD_ALERTS), 1, Duration.ofSeconds(60));
        kafka.read(topics.name(Topics.TEMPERATURE_ALERTS), 1, Duration.ofSeconds(60));
        http.toBlocking().retrieve("/api/conversions");
        http.toBlocking().retrieve("/api/conversions");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = http.toBlocking().retrieve("/prometheus");
            assertLine(metrics, "pulse_events_processed_total", "stream=\"" + topics.name(Topics.REAL_TIME_DATA) + "\"");
            assertLine(metrics, "pulse_dead_letters_total", "source_topic=\"" + topics.name(Topics.REAL_TIME_DATA) + "\"",
                "reason=\"invalid_field\"", " 1.0");
            assertLine(metrics, "pulse_dead_letters_total", "source_topic=\"" + topics.name(Topics.WORD_COUNTS) + "\"",
                "reason=\"invalid_field\"", " 1.0");
            assertLine(metrics, "pulse_alerts_raised_total", "rule=\"RAISED\"", "type=\"temperature\"");
            assertLine(metrics, "pulse_alerts_raised_total", "rule=\"LARGE_AMOUNT\"", "type=\"fraud\"");
            assertLine(metrics, "pulse_processing_latency_seconds_bucket", "listener=\"pulse-temperature-alerts\"");
            assertLine(metrics, "pulse_cache_hits_total", "endpoint=\"conversions\"");
            assertLine(metrics, "kafka_consumer_records_lag_max_records"); // consumer lag per client and partition
            assertLine(metrics, "kafka_producer_record_send");
            assertLine(metrics, "kafka_streams_alive_stream_threads");
            assertLine(metrics, "kafka_streams_records_lag_max_records");
        });

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            String readiness = readiness();
            for (String part : new String[] {"\"pulseStreams\"", "\"RUNNING\"", "\"kafka\"", "\"redis\"", "\"pulseListeners\"",
                "\"pulseAlertLists\"", "\"pulseDeadLetters\""}) {
                assertTrue(readiness.contains(part), part + " in " + readiness);
            }
            assertTrue(readiness.startsWith("{\"name\":\"pulse\",\"status\":\"UP\""), readiness);
        });
    }

    private String readiness() {
        try {
            return http.toBlocking().retrieve(HttpRequest.GET("/health/readiness"));
        } catch (HttpClientResponseException down) {
            return down.getResponse().getBody(String.class).orElse("DOWN");
        }
    }

    private static void assertLine(String metrics, String name, String... parts) {
        boolean found = Arrays.stream(metrics.split("\n"))
            .anyMatch(line -> line.startsWith(name) && Arrays.stream(parts).allMatch(line::contains));
        assertTrue(found, () -> name + " with " + Arrays.toString(parts) + " not exported; kafka metrics: "
            + Arrays.stream(metrics.split("\n")).filter(l -> l.startsWith("kafka")).map(l -> l.replaceAll("[{ ].*", ""))
                .distinct().sorted().toList());
    }
}
