package dev.pulse.dashboard;

import jakarta.inject.Singleton;

import static dev.pulse.dashboard.Answers.items;

/**
 * Reads of the click joins ({@code ClickEnrichment}): the latest click→purchase matches and a user's
 * latest enriched clicks. They are lists of output records, not store contents: every instance
 * follows those output topics ({@link RecentEvents}), so any instance answers them alone.
 */
@Singleton
public class ClickQueries {

    private final DashboardCache cache;
    private final RecentEvents recent;

    ClickQueries(DashboardCache cache, RecentEvents recent) {
        this.cache = cache;
        this.recent = recent;
    }

    /** {@code items}: the latest {@code limit} matches, newest first. */
    public String conversions(int limit) {
        return cache.read("conversions", CacheGroups.CONVERSIONS, Integer.toString(limit),
            () -> items(recent.conversions(limit)));
    }

    /** {@code items}: the user's latest {@code limit} enriched clicks, newest first. */
    public String enrichedClicks(String user, int limit) {
        return cache.read("enriched-clicks", CacheGroups.enrichedClicks(user), Integer.toString(limit),
            () -> items(recent.enrichedClicks(user, limit)));
    }
}
