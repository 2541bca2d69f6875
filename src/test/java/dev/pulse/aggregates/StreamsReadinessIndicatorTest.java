package dev.pulse.aggregates;

import io.micronaut.health.HealthStatus;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The indicator's rule on given states and poll ages; {@code StreamThreadStallIntegrationTest} stalls a real
 * stream thread.
 */
class StreamsReadinessIndicatorTest {

    private static final long MAX_POLL_INTERVAL_MS = 300_000;

    @ParameterizedTest
    @EnumSource(KafkaStreams.State.class)
    void isReadyOnlyWhileRunning(KafkaStreams.State state) {
        var result = new StreamsReadinessIndicator(() -> state, () -> Map.of("t-1", 0.0), MAX_POLL_INTERVAL_MS).result();
        assertEquals(state == KafkaStreams.State.RUNNING ? HealthStatus.UP : HealthStatus.DOWN, result.getStatus());
        assertEquals(Map.of("state", state.name(), "max_poll_interval_ms", MAX_POLL_INTERVAL_MS,
            "seconds_since_poll", Map.of("t-1", 0.0)), result.getDetails());
    }

    @Test
    void isNotReadyWhileAThreadHasNotPolledWithinMaxPollInterval() {
        var stalled = new StreamsReadinessIndicator(() -> KafkaStreams.State.RUNNING,
            () -> Map.of("t-1", 2.0, "t-2", 301.0), MAX_POLL_INTERVAL_MS).result();
        assertEquals(HealthStatus.DOWN, stalled.getStatus());
        assertEquals(Map.of("t-1", 2.0, "t-2", 301.0), ((Map<?, ?>) stalled.getDetails()).get("seconds_since_poll"));

        var atTheLimit = new StreamsReadinessIndicator(() -> KafkaStreams.State.RUNNING,
            () -> Map.of("t-1", 300.0), MAX_POLL_INTERVAL_MS).result();
        assertEquals(HealthStatus.UP, atTheLimit.getStatus());
    }

    @Test
    void aThreadThatHasNotPolledYetIsNotStalled() {
        var starting = new StreamsReadinessIndicator(() -> KafkaStreams.State.RUNNING,
            () -> Map.of("t-1", -1.0), MAX_POLL_INTERVAL_MS).result();
        assertEquals(HealthStatus.UP, starting.getStatus());
        assertEquals(Map.of(), ((Map<?, ?>) starting.getDetails()).get("seconds_since_poll"));
    }

    @Test
    void readsMaxPollIntervalAsTheStreamsConfigurationSetsIt() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "readiness-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        assertEquals(300_000, StreamsReadinessIndicator.maxPollIntervalMs(config), "the consumer's default");
        config.put("max.poll.interval.ms", "60000");
        assertEquals(60_000, StreamsReadinessIndicator.maxPollIntervalMs(config));
        config.put(StreamsConfig.mainConsumerPrefix("max.poll.interval.ms"), 5000);
        assertEquals(5_000, StreamsReadinessIndicator.maxPollIntervalMs(config));
    }
}
