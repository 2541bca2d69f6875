package dev.pulse.aggregates;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real stream thread stuck in one record (as one absurd record once held Pulse's only stream thread for minutes):
 * readiness turns DOWN once the thread has not polled for {@code max.poll.interval.ms}, although Kafka Streams
 * still says RUNNING, and UP again once the thread moves on. A processor of this test, on a topic of its own in
 * the same stream, holds the thread until the test lets it go.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamThreadStallIntegrationTest implements RealServers {

    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadStallIntegrationTest.class);
    private static final String SPEC = "StreamThreadStallIntegrationTest";
    private static final long MAX_POLL_INTERVAL_MS = 6000;

    static final CountDownLatch STALLED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    private final IsolatedTopics topics = new IsolatedTopics();
    private final String stallTopic = "stall-" + topics.suffix();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Inject
    @Client("/")
    HttpClient http;

    @Inject
    JsonMapper json;

    @Override
    public Map<String, String> extraProperties() {
        // The stream reads the topic from its start, so it has to exist first.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(stallTopic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create " + stallTopic, e);
        }
        Map<String, String> properties = new HashMap<>(topics.allTopicsProperties());
        properties.put("spec.name", SPEC);
        properties.put("spec.stall-topic", stallTopic);
        properties.put("kafka.streams.default.max.poll.interval.ms", Long.toString(MAX_POLL_INTERVAL_MS));
        return properties;
    }

    @AfterAll
    void releaseAndClose() {
        RELEASE.countDown();
        kafka.close();
    }

    @Test
    void reportsAStreamThreadThatHasNotPolledWithinMaxPollIntervalAndRecovers() throws Exception {
        await("ready before the stall").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
            .ignoreExceptionsInstanceOf(ReadTimeoutException.class) // a loaded machine: asked again
            .until(() -> "UP".equals(streamsHealth().get("status")));

        kafka.send(stallTopic, "k", "hold the thread");
        assertTrue(STALLED.await(60, TimeUnit.SECONDS), "the stream thread took the record");
        long stalledAt = System.nanoTime();

        // DOWN for the stall, not for a rebalance that a loaded machine may start before it (DOWN as well).
        Map<?, ?> down = await("reported stalled").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .ignoreExceptionsInstanceOf(ReadTimeoutException.class) // a loaded machine: asked again
            .until(this::streamsHealth, health -> "DOWN".equals(health.get("status")) && reportsStall(health));
        long downAfterMs = (System.nanoTime() - stalledAt) / 1_000_000;
        Map<?, ?> details = (Map<?, ?>) down.get("details");
        // What the indicator adds: Kafka Streams' own state does not show the stall (a rebalance that began before the
        // thread took the record leaves it REBALANCING, which the thread, held, cannot end).
        assertTrue(Set.of("RUNNING", "REBALANCING").contains(details.get("state")),
            "Kafka Streams itself still says it is running: " + details);
        assertEquals(MAX_POLL_INTERVAL_MS, ((Number) details.get("max_poll_interval_ms")).longValue());
        Map<?, ?> sincePoll = (Map<?, ?>) details.get("seconds_since_poll");
        assertEquals(1, sincePoll.size(), details::toString);
        double seconds = ((Number) sincePoll.values().iterator().next()).doubleValue();
        assertTrue(seconds * 1000 > MAX_POLL_INTERVAL_MS, details::toString);
        assertTrue(downAfterMs >= MAX_POLL_INTERVAL_MS, "not before max.poll.interval.ms: " + downAfterMs + " ms");
        LOG.info("stream thread stalled: readiness DOWN {} ms after the thread took the record ({})", downAfterMs, details);

        RELEASE.countDown();
        long releasedAt = System.nanoTime();
        await("ready again").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
            .ignoreExceptionsInstanceOf(ReadTimeoutException.class) // a loaded machine: asked again
            .until(() -> "UP".equals(streamsHealth().get("status")));
        LOG.info("stream thread released: readiness UP again after {} ms", (System.nanoTime() - releasedAt) / 1_000_000);
    }

    /** Whether the health names a stream thread that has not polled for longer than max.poll.interval.ms. */
    private static boolean reportsStall(Map<?, ?> health) {
        Map<?, ?> details = (Map<?, ?>) health.get("details");
        Object sincePoll = details == null ? null : details.get("seconds_since_poll");
        return sincePoll instanceof Map<?, ?> threads && threads.values().stream()
            .anyMatch(seconds -> seconds instanceof Number n && n.doubleValue() * 1000 > MAX_POLL_INTERVAL_MS);
    }

        /** The Kafka Streams part of {@code GET /health/readiness}. */
    private Map<?, ?> streamsHealth() throws IOException {
        String body;
        try {
            body = http.toBlocking().retrieve(HttpRequest.GET("/health/readiness"));
        } catch (HttpClientResponseException down) {
            body = down.getResponse().getBody(String.class).orElse("{}");
        }
        Map<?, ?> details = (Map<?, ?>) json.readValue(body, Map.class).get("details");
        Map<?, ?> streams = details == null ? null : (Map<?, ?>) details.get(StreamsReadinessIndicator.NAME);
        return streams == null ? Map.of() : streams;
    }

    /** A processor of this test only, in the same stream (and so on the same thread) as the aggregates. */
    @Factory
    @Requires(property = "spec.name", value = SPEC)
    static class StallingStream {

        @Singleton
        @Named("stall")
        KStream<String, String> stalling(@Named(AggregatesTopology.STREAM) ConfiguredStreamBuilder builder,
                                         @Value("${spec.stall-topic}") String topic) {
            KStream<String, String> stream = builder.stream(topic,
                Consumed.with(Serdes.String(), Serdes.String()).withName("stall-source"));
            stream.foreach((key, value) -> {
                STALLED.countDown();
                try {
                    RELEASE.await(180, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, org.apache.kafka.streams.kstream.Named.as("stall-until-released"));
            return stream;
        }
    }
}
