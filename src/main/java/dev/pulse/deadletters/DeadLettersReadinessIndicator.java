package dev.pulse.deadletters;

import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.Map;

/**
 * Readiness of the dead-letter list: DOWN until this instance has read {@code dead-letter-queue} to the end it had
 * when it started ({@link DeadLetterQueueReader}); {@code GET /api/dead-letters} answers 503 until then. Readiness
 * only: the load balancer's check ({@code /health/liveness}) keeps the instance in service meanwhile, and its other
 * reads answer.
 */
@Singleton
@Readiness
@Requires(bean = DeadLetterQueueReader.class)
public class DeadLettersReadinessIndicator implements HealthIndicator {

    static final String NAME = "pulseDeadLetters";

    private final DeadLetterIndex index;

    public DeadLettersReadinessIndicator(DeadLetterIndex index) {
        this.index = index;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        boolean complete = index.isComplete();
        return HealthResult.builder(NAME, complete ? HealthStatus.UP : HealthStatus.DOWN)
            .details(Map.of("dead_letter_queue_read", complete)).build();
    }
}
