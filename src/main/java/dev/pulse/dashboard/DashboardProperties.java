package dev.pulse.dashboard;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The dashboard's settings ({@code pulse.dashboard.*}).
 *
 * @param cacheTtl        the longest a cached answer lives; a change to what it shows replaces it sooner
 * @param recentLimit     how many of the latest temperature alerts and fraud alerts each instance keeps of
 *                        what the alert topics hold, for the alert lists (the click lists are kept by the
 *                        topology: {@code pulse.aggregates.recent-clicks}, {@code recent-conversions})
 * @param replayPerPartition how many of the latest records of each output partition an instance reads again
 *                        at start-up to mark the cached answers they touch out of date (their state may have
 *                        changed while no instance was following); no answer is made of them
 * @param refresh         how often the web page asks for new figures
 * @param nearCacheMaxBytes the most this instance keeps of answers in its own memory, in front of Redis (estimated
 *                        from their length; least used go first); 0 turns that near cache off
 */
@ConfigurationProperties("pulse.dashboard")
public record DashboardProperties(
    @Bindable(defaultValue = "30s") Duration cacheTtl,
    @Bindable(defaultValue = "1000") int recentLimit,
    @Bindable(defaultValue = "1000") int replayPerPartition,
    @Bindable(defaultValue = "1s") Duration refresh,
    @Bindable(defaultValue = "16777216") long nearCacheMaxBytes) {
}
