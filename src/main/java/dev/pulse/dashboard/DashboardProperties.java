package dev.pulse.dashboard;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The dashboard's settings ({@code pulse.dashboard.*}).
 *
 * @param cacheTtl        the longest a cached answer lives; a change to what it shows replaces it sooner
 * @param recentLimit     how many of the latest alerts, conversions and enriched clicks (per user) each
 *                        instance keeps to answer from its own state
 * @param replayPerPartition how many of the latest records of each output partition an instance reads
 *                        at start-up to fill that state (open alerts and a device's alert state come from the
 *                        alert state in Redis instead, and from this only while Redis does not answer)
 * @param refresh         how often the web page asks for new figures
 */
@ConfigurationProperties("pulse.dashboard")
public record DashboardProperties(
    @Bindable(defaultValue = "30s") Duration cacheTtl,
    @Bindable(defaultValue = "1000") int recentLimit,
    @Bindable(defaultValue = "1000") int replayPerPartition,
    @Bindable(defaultValue = "1s") Duration refresh) {
}
