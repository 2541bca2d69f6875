package dev.pulse.aggregates;

import io.micronaut.health.HealthStatus;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamsLivenessIndicatorTest {

    @ParameterizedTest
    @EnumSource(value = KafkaStreams.State.class, names = {"CREATED", "REBALANCING", "RUNNING"})
    void isAliveWhileStartingRebalancingOrRunning(KafkaStreams.State state) {
        var result = new StreamsLivenessIndicator(() -> state).result();
        assertEquals(HealthStatus.UP, result.getStatus());
        assertEquals(Map.of("state", state.name()), result.getDetails());
    }

    @ParameterizedTest
    @EnumSource(value = KafkaStreams.State.class, names = {"PENDING_ERROR", "ERROR", "PENDING_SHUTDOWN", "NOT_RUNNING"})
    void isDeadOnceStreamsHasFailedOrStopped(KafkaStreams.State state) {
        assertEquals(HealthStatus.DOWN, new StreamsLivenessIndicator(() -> state).result().getStatus());
    }
}
