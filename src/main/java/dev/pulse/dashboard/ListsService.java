package dev.pulse.dashboard;

import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's list reads (alerts, conversions, a user's enriched clicks), cached in Redis and
 * computed from {@link RecentEvents} otherwise.
 */
@Singleton
public class ListsService {

    private final DashboardCache cache;
    private final RecentEvents recent;

    public ListsService(DashboardCache cache, RecentEvents recent) {
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

    public String conversions(int limit) {
        return cache.read("conversions", CacheGroups.CONVERSIONS, Integer.toString(limit),
            () -> items(recent.conversions(limit)));
    }

    public String enrichedClicks(String user, int limit) {
        return cache.read("enriched-clicks", CacheGroups.enrichedClicks(user), Integer.toString(limit),
            () -> items(recent.enrichedClicks(user, limit)));
    }

    static Map<String, Object> items(List<?> items) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("items", items);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }
}
