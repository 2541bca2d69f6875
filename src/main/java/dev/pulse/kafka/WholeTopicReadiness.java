package dev.pulse.kafka;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Readiness of a view an instance builds by reading topics whole ({@link WholeTopicReader}): DOWN, with
 * {@code <detail>: false}, until it has read them to the end they had when it started, and the view answers 503 until
 * then. A subclass is a readiness bean only: the load balancer's check ({@code /health/liveness}) keeps the instance in
 * service meanwhile, and its other reads answer.
 */
public abstract class WholeTopicReadiness implements HealthIndicator {

    private final String name;
    private final String detail;
    private final BooleanSupplier complete;

    /**
     * @param name     the indicator's name in the health answer
     * @param detail   the detail that says whether the topics are read
     * @param complete whether the view has read its topics to their ends at start
     */
    protected WholeTopicReadiness(String name, String detail, BooleanSupplier complete) {
        this.name = name;
        this.detail = detail;
        this.complete = complete;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    /** The answer now. */
    public HealthResult result() {
        boolean read = complete.getAsBoolean();
        return HealthResult.builder(name, read ? HealthStatus.UP : HealthStatus.DOWN)
            .details(Map.of(detail, read)).build();
    }
}
