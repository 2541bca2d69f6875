package dev.pulse.aggregates;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KafkaStreams;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Readiness of the aggregates: UP only while the Streams application is {@code RUNNING}. Micronaut's
 * own Kafka Streams indicator counts a rebalance as UP; while partitions move or state is restored
 * the stores cannot answer, so this instance should not take reads.
 */
@Singleton
@Readiness
public class StreamsReadinessIndicator implements HealthIndicator {

    static final String NAME = "pulseStreams";

    private final Supplier<KafkaStreams.State> state;

    public StreamsReadinessIndicator(KafkaStreams streams) {
        this(streams::state);
    }

    StreamsReadinessIndicator(Supplier<KafkaStreams.State> state) {
        this.state = state;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        KafkaStreams.State now = state.get();
        return HealthResult.builder(NAME, now == KafkaStreams.State.RUNNING ? HealthStatus.UP : HealthStatus.DOWN)
            .details(Map.of("state", now.name()))
            .build();
    }
}
