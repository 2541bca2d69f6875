package dev.pulse.kafka;

import io.micronaut.configuration.kafka.ConsumerRegistry;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Liveness;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code pulseListeners}: DOWN when a Pulse listener has stopped (its poll thread died), has been failing for longer
 * than {@code pulse.listeners.stuck-after}, or was paused. Part of liveness and readiness, so an orchestrator
 * replaces an instance whose listener is gone for good.
 */
@Singleton
@Liveness
@Readiness
public class ListenerHealthIndicator implements HealthIndicator {

    static final String NAME = "pulseListeners";

    private final ListenerHealth health;
    private final ConsumerRegistry consumers;
    private final ListenerProperties properties;

    public ListenerHealthIndicator(ListenerHealth health, ConsumerRegistry consumers, ListenerProperties properties) {
        this.health = health;
        this.consumers = consumers;
        this.properties = properties;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::result);
    }

    HealthResult result() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean down = false;
        for (Map.Entry<String, String> entry : health.problems(properties.stuckAfter()).entrySet()) {
            Map<String, Object> listener = new LinkedHashMap<>(health.details(entry.getKey()));
            String problem = entry.getValue();
            if (problem == null && isPaused(entry.getKey())) {
                problem = "paused";
            }
            listener.put("status", problem == null ? "UP" : "DOWN");
            if (problem != null) {
                listener.put("problem", problem);
                down = true;
            }
            details.put(entry.getKey(), listener);
        }
        return HealthResult.builder(NAME, down ? HealthStatus.DOWN : HealthStatus.UP).details(details).build();
    }

    private boolean isPaused(String listener) {
        try {
            Set<String> ids = consumers.getConsumerIds();
            return ids.stream().filter(id -> id.startsWith(listener)).anyMatch(consumers::isPaused);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
