package dev.pulse.aggregates;

import io.micronaut.health.HealthStatus;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamsReadinessIndicatorTest {

    @ParameterizedTest
    @EnumSource(KafkaStreams.State.class)
    void isReadyOnlyWhileRunning(KafkaStreams.State state) {
        var result = new StreamsReadinessIndicator(() -> state).result();
        assertEquals(state == KafkaStreams.State.RUNNING ? HealthStatus.UP : HealthStatus.DOWN, result.getStatus());
        assertEquals(java.util.Map.of("state", state.name()), result.getDetails());
    }
}
