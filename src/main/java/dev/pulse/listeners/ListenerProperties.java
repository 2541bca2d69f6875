package dev.pulse.listeners;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How Pulse's transactional listeners run ({@code pulse.listeners.*}).
 *
 * @param transactionalIdPrefix starts the transactional id of each input partition's producer,
 *                              {@code <prefix>-<group>-<topic>-<partition>}; the same on every instance (whoever owns a
 *                              partition must be able to fence its previous owner); change it to fit the cluster's
 *                              ACLs on transactional ids
 * @param retryInitial          first back-off after a transient failure (Redis or Kafka away); doubles on each
 *                              further failure
 * @param retryMax              longest back-off; keep it well below {@code max.poll.interval.ms}
 * @param stuckAfter            a listener failing for longer than this reports health DOWN
 */
@ConfigurationProperties("pulse.listeners")
public record ListenerProperties(
    @Bindable(defaultValue = "pulse") String transactionalIdPrefix,
    @Bindable(defaultValue = "200ms") Duration retryInitial,
    @Bindable(defaultValue = "10s") Duration retryMax,
    @Bindable(defaultValue = "60s") Duration stuckAfter) {
}
