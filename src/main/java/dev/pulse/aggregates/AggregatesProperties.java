package dev.pulse.aggregates;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Windows and sizes of the aggregates topology ({@code pulse.aggregates.*}).
 *
 * @param grace            how long after a window's end a late record still counts, for every window
 * @param categoryWindow   tumbling window of {@code windowed-aggregates}
 * @param eventCountWindow tumbling window of {@code event-counts}
 * @param pageWindow       tumbling window of {@code top-pages}
 * @param topN             pages listed per window in {@code top-pages}
 * @param deviceWindow     hopping window size of {@code device-averages}
 * @param deviceAdvance    hopping window advance of {@code device-averages}
 * @param sessionGap       inactivity gap that ends a session in {@code user-sessions}
 * @param joinWindow       how long after a click a purchase still matches it in {@code click-purchases}
 * @param storeRetention   how long the window and session stores keep closed windows for queries
 * @param homePage         the page whose clicks {@code click-counts} counts
 * @param idleCloseAfter   how long a task's stream time must have stood still before its windows close on the
 *                         wall clock instead ({@code windowed-aggregates}, {@code event-counts}, the page views of
 *                         {@code top-pages}); unset means {@code grace}
 * @param idleCloseCheck   how often the wall clock is checked for that
 * @param recentClicks     how many of each user's latest {@code enriched-clicks} the topology keeps for
 *                         {@code GET /api/users/{user}/clicks/enriched} (at most that many are listed)
 * @param recentConversions how many of each partition's latest {@code click-purchases} the topology keeps for
 *                         {@code GET /api/conversions} (at most that many are listed; a {@code limit} goes up to 1000)
 */
@ConfigurationProperties("pulse.aggregates")
public record AggregatesProperties(
    @Bindable(defaultValue = "10s") Duration grace,
    @Bindable(defaultValue = "60s") Duration categoryWindow,
    @Bindable(defaultValue = "5m") Duration eventCountWindow,
    @Bindable(defaultValue = "1m") Duration pageWindow,
    @Bindable(defaultValue = "10") int topN,
    @Bindable(defaultValue = "5m") Duration deviceWindow,
    @Bindable(defaultValue = "1m") Duration deviceAdvance,
    @Bindable(defaultValue = "5m") Duration sessionGap,
    @Bindable(defaultValue = "1h") Duration joinWindow,
    @Bindable(defaultValue = "24h") Duration storeRetention,
    @Bindable(defaultValue = "/home") String homePage,
    @Nullable Duration idleCloseAfter,
    @Bindable(defaultValue = "1s") Duration idleCloseCheck,
    @Bindable(defaultValue = "100") int recentClicks,
    @Bindable(defaultValue = "1000") int recentConversions) {

    public AggregatesProperties {
        require(!grace.isNegative(), "grace must not be negative");
        idleCloseAfter = idleCloseAfter == null ? grace : idleCloseAfter;
        require(!idleCloseAfter.isNegative(), "idle-close-after must not be negative");
        require(idleCloseCheck.toMillis() > 0, "idle-close-check must be positive");
        for (Duration window : new Duration[] {categoryWindow, eventCountWindow, pageWindow, deviceWindow,
            deviceAdvance, sessionGap, joinWindow}) {
            require(window.toMillis() > 0, "window sizes, advance, session gap and join window must be positive");
        }
        require(topN >= 1, "top-n must be at least 1");
        require(recentClicks >= 1 && recentConversions >= 1, "recent-clicks and recent-conversions must be at least 1");
        require(deviceAdvance.compareTo(deviceWindow) <= 0, "device-advance must not exceed device-window");
        Duration longest = java.util.stream.Stream.of(categoryWindow, eventCountWindow, pageWindow, deviceWindow, sessionGap)
            .max(Duration::compareTo).orElseThrow();
        require(storeRetention.compareTo(longest.plus(grace)) >= 0,
            "store-retention must cover the longest window plus grace (" + longest.plus(grace) + ")");
    }

    /** The documented defaults, for code that runs without a Micronaut context (topology tests). */
    public static AggregatesProperties defaults() {
        return new AggregatesProperties(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(5),
            Duration.ofMinutes(1), 10, Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofHours(1), Duration.ofHours(24), "/home", null, Duration.ofSeconds(1), 100, 1000);
    }

    /** A copy listing {@code n} pages per window. */
    public AggregatesProperties withTopN(int n) {
        return new AggregatesProperties(grace, categoryWindow, eventCountWindow, pageWindow, n, deviceWindow,
            deviceAdvance, sessionGap, joinWindow, storeRetention, homePage, idleCloseAfter, idleCloseCheck, recentClicks,
            recentConversions);
    }

    /** A copy with {@code window} as the category window and {@code grace} as every window's grace and idle close. */
    public AggregatesProperties withCategoryWindow(Duration window, Duration grace) {
        return new AggregatesProperties(grace, window, eventCountWindow, pageWindow, topN, deviceWindow,
            deviceAdvance, sessionGap, joinWindow, storeRetention, homePage, grace, idleCloseCheck, recentClicks,
            recentConversions);
    }

    /** A copy keeping {@code clicks} latest enriched clicks per user and {@code conversions} matches per partition. */
    public AggregatesProperties withRecent(int clicks, int conversions) {
        return new AggregatesProperties(grace, categoryWindow, eventCountWindow, pageWindow, topN, deviceWindow,
            deviceAdvance, sessionGap, joinWindow, storeRetention, homePage, idleCloseAfter, idleCloseCheck, clicks,
            conversions);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("pulse.aggregates: " + message);
        }
    }
}
