package dev.pulse.listeners;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;
import java.util.UUID;

/**
 * How Pulse's transactional listeners run ({@code pulse.listeners.*}).
 *
 * @param instanceId   names this instance's transactional producers ({@code pulse-<listener>-<instanceId>}); keep it
 *                     stable across restarts of the same instance so a restart aborts the transaction a crash left
 *                     open at once, rather than after {@code transaction.timeout.ms}; never share it between two
 *                     running instances
 * @param retryInitial first back-off after a transient failure (Redis or Kafka away); doubles on each further failure
 * @param retryMax     longest back-off; keep it well below {@code max.poll.interval.ms}
 * @param stuckAfter   a listener failing for longer than this reports health DOWN
 */
@ConfigurationProperties("pulse.listeners")
public record ListenerProperties(
    @Nullable String instanceId,
    @Bindable(defaultValue = "200ms") Duration retryInitial,
    @Bindable(defaultValue = "10s") Duration retryMax,
    @Bindable(defaultValue = "60s") Duration stuckAfter) {

    public ListenerProperties {
        if (instanceId == null || instanceId.isBlank()) {
            instanceId = UUID.randomUUID().toString();
        }
    }
}
