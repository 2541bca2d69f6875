package dev.pulse.dashboard;

import jakarta.inject.Singleton;

import java.util.List;

import static dev.pulse.dashboard.Answers.items;

/**
 * The dashboard's alert list, cached in Redis and computed from {@link RecentAlerts} otherwise
 * (the lists of the click joins are {@link ClickQueries}'). Until this instance has read the alert topics to
 * the end they had when it started, the list is a 503, never a part of it, and nothing is cached.
 */
@Singleton
public class ListsService {

    private final DashboardCache cache;
    private final RecentAlerts recent;

    public ListsService(DashboardCache cache, RecentAlerts recent) {
        this.cache = cache;
        this.recent = recent;
    }

    /**
     * @param type  {@code temperature}, {@code fraud} or null for both
     * @param state {@code open} or {@code all} (null: all)
     */
    public String alerts(String type, String state, int limit) {
        boolean temperature = type == null || type.equals("temperature");
        boolean fraud = type == null || type.equals("fraud");
        if (!temperature && !fraud) {
            throw new BadParameterException("'type' must be temperature or fraud, got '" + type + "'");
        }
        boolean open = "open".equals(state);
        if (state != null && !open && !state.equals("all")) {
            throw new BadParameterException("'state' must be open or all, got '" + state + "'");
        }
        String entry = (type == null ? "any" : type) + ":" + (open ? "open" : "all") + ":" + limit;
        return cache.read("alerts", CacheGroups.ALERTS, entry, () -> items(open
            ? (temperature ? recent.openAlerts(limit) : List.of()) // fraud alerts are never open
            : recent.alerts(temperature, fraud, limit)));
    }
}
