package dev.pulse.listeners;

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
 * than {@code pulse.listeners.stuck-after} (Redis or Kafka away), has been in one batch that long, or was paused.
 * Part of readiness; {@link Liveness} is the narrower {@code pulseListenerThreads}, DOWN only for a stopped listener,
 * which a restart cures (a restart does not bring Redis back).
 */
@Singleton
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
        return result(NAME, health.problems(properties.stuckAfter()), true);
    }

    HealthResult result(String name, Map<String, String> problems, boolean withPaused) {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean down = false;
        for (Map.Entry<String, String> entry : problems.entrySet()) {
            Map<String, Object> listener = new LinkedHashMap<>(health.details(entry.getKey()));
            String problem = entry.getValue();
            if (problem == null && withPaused && isPaused(entry.getKey())) {
                problem = "paused";
            }
            listener.put("status", problem == null ? "UP" : "DOWN");
            if (problem != null) {
                listener.put("problem", problem);
                down = true;
            }
            details.put(entry.getKey(), listener);
        }
        return HealthResult.builder(name, down ? HealthStatus.DOWN : HealthStatus.UP).details(details).build();
    }

    /** {@code pulseListenerThreads}: DOWN only when a listener's poll thread has died. */
    @Singleton
    @Liveness
    public static class Threads implements HealthIndicator {

        private final ListenerHealthIndicator listeners;
        private final ListenerHealth health;

        public Threads(ListenerHealthIndicator listeners, ListenerHealth health) {
            this.listeners = listeners;
            this.health = health;
        }

        @Override
        public Publisher<HealthResult> getResult() {
            return Mono.fromCallable(() -> listeners.result("pulseListenerThreads", health.deadThreads(), false));
        }
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
