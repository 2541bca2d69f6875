package dev.pulse.aggregates;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Liveness;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KafkaStreams;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Liveness of the aggregates ({@code pulseStreamsAlive}, part of {@code /health/liveness}, which the load balancer and
 * the container health check ask): DOWN only when the Streams application has stopped for good, which a restart
 * cures: {@code ERROR} or {@code PENDING_ERROR} (a stream thread failed and the client shut down), or
 * {@code NOT_RUNNING}/{@code PENDING_SHUTDOWN} (closed; Pulse closes it only when it stops). Starting, rebalancing or
 * restoring state, and a Kafka cluster that is briefly away, are UP here: they pass by themselves, and
 * {@link StreamsReadinessIndicator} reports them.
 */
@Singleton
@Liveness
public class StreamsLivenessIndicator implements HealthIndicator {

    static final String NAME = "pulseStreamsAlive";

    private static final Set<KafkaStreams.State> STOPPED = Set.of(KafkaStreams.State.ERROR,
        KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING, KafkaStreams.State.PENDING_SHUTDOWN);

    private final Supplier<KafkaStreams.State> state;

    public StreamsLivenessIndicator(KafkaStreams streams) {
        this(streams::state);
    }

    StreamsLivenessIndicator(Supplier<KafkaStreams.State> state) {
        this.state = state;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        KafkaStreams.State now = state.get();
        return HealthResult.builder(NAME, STOPPED.contains(now) ? HealthStatus.DOWN : HealthStatus.UP)
            .details(Map.of("state", now.name()))
            .build();
    }
}
