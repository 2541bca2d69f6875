package dev.pulse.dashboard;

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
 * Readiness of the alert lists: DOWN until this instance has read the alert topics to the end they had when it
 * started ({@link AlertHistoryReader}); the lists answer 503 until then. Readiness only: the load balancer's check
 * ({@code /health/liveness}) keeps the instance in service meanwhile, and its other reads answer.
 */
@Singleton
@Readiness
@Requires(bean = AlertHistoryReader.class)
public class AlertListsReadinessIndicator implements HealthIndicator {

    static final String NAME = "pulseAlertLists";

    private final RecentAlerts alerts;

    public AlertListsReadinessIndicator(RecentAlerts alerts) {
        this.alerts = alerts;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        boolean complete = alerts.isComplete();
        return HealthResult.builder(NAME, complete ? HealthStatus.UP : HealthStatus.DOWN)
            .details(Map.of("alert_topics_read", complete)).build();
    }
}
