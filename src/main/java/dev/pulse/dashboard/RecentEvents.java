package dev.pulse.dashboard;

import dev.pulse.alerts.temperature.AlertStateService;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * This instance's own view of the latest alerts, conversions and enriched clicks, filled by
 * {@link DashboardFeedListener} from the output topics (every instance reads every partition). It
 * is what list reads answer from when Redis has no current answer. Bounded in size.
 *
 * <p>Open alerts and a device's alert state are not what this view happened to replay: they come from the alert state
 * the temperature alert decisions keep in Redis ({@link AlertStateService}), the same on every instance. Only while
 * Redis does not answer do they come from this view (the alerts replayed at start and followed since).
 */
@Singleton
public class RecentEvents {

    private static final Logger LOG = LoggerFactory.getLogger(RecentEvents.class);
    private static final int USERS_KEPT = 10_000;
    private static final int CLICKS_PER_USER = 100;

    private final int limit;
    private final AlertStateService alertStates;
    private final Deque<JsonNode> temperatureAlerts = new ArrayDeque<>();
    private final Deque<JsonNode> fraudAlerts = new ArrayDeque<>();
    /** Newest first by record timestamp, then partition and offset: the same order on every instance. */
    private final NavigableMap<Position, JsonNode> conversions = new TreeMap<>();
    private final Map<String, String> deviceAlertState = new LinkedHashMap<>();
    private final Map<String, JsonNode> openAlerts = new LinkedHashMap<>();
    private final Map<String, NavigableMap<Position, JsonNode>> clicksByUser = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NavigableMap<Position, JsonNode>> eldest) {
            return size() > USERS_KEPT;
        }
    };

    public RecentEvents(DashboardProperties properties, AlertStateService alertStates) {
        this.limit = properties.recentLimit();
        this.alertStates = alertStates;
    }

    public synchronized void temperatureAlert(String deviceId, JsonNode alert) {
        push(temperatureAlerts, alert, limit);
        JsonNode state = alert.get("state");
        boolean raised = state != null && "RAISED".equals(state.coerceStringValue());
        deviceAlertState.put(deviceId, raised ? "RAISED" : "NORMAL");
        if (raised) {
            openAlerts.put(deviceId, alert);
        } else {
            openAlerts.remove(deviceId);
        }
    }

    public synchronized void fraudAlert(JsonNode alert) {
        push(fraudAlerts, alert, limit);
    }

    /**
     * A {@code click-purchases} record. The lists are ordered by where a record stands in the topic, not by when this
     * instance read it: instances read the partitions interleaved differently, and must all give the same answer.
     */
    public synchronized void conversion(JsonNode match, Position position) {
        keepNewest(conversions, position, match, limit);
    }

    /** An {@code enriched-clicks} record of {@code user} (see {@link #conversion} for the order). */
    public synchronized void enrichedClick(String user, JsonNode click, Position position) {
        keepNewest(clicksByUser.computeIfAbsent(user, u -> new TreeMap<>()), position, click,
            Math.min(limit, CLICKS_PER_USER));
    }

    /** Temperature alerts (and fraud alerts, unless {@code temperatureOnly}), newest first. */
    public synchronized List<JsonNode> alerts(boolean temperature, boolean fraud, int max) {
        List<JsonNode> merged = new ArrayList<>();
        if (temperature) {
            merged.addAll(temperatureAlerts);
        }
        if (fraud) {
            merged.addAll(fraudAlerts);
        }
        merged.sort((a, b) -> Double.compare(timestamp(b), timestamp(a)));
        return List.copyOf(merged.subList(0, Math.min(max, merged.size())));
    }

    /** Temperature alerts RAISED and not yet CLEARED, newest first. */
    public List<?> openAlerts(int max) {
        if (alertStates.away()) {
            return ownOpenAlerts(max);
        }
        try {
            return alertStates.openAlerts(max);
        } catch (RuntimeException redisAway) {
            LOG.debug("open alerts from this instance's view: the alert state does not answer", redisAway);
            return ownOpenAlerts(max);
        }
    }

    private synchronized List<JsonNode> ownOpenAlerts(int max) {
        List<JsonNode> open = new ArrayList<>(openAlerts.values());
        open.sort((a, b) -> Double.compare(timestamp(b), timestamp(a)));
        return List.copyOf(open.subList(0, Math.min(max, open.size())));
    }

    /** {@code RAISED} or {@code NORMAL}. */
    public String alertState(String deviceId) {
        if (alertStates.away()) {
            return ownAlertState(deviceId);
        }
        try {
            return alertStates.alertState(deviceId);
        } catch (RuntimeException redisAway) {
            LOG.debug("alert state of {} from this instance's view: the alert state does not answer", deviceId, redisAway);
            return ownAlertState(deviceId);
        }
    }

    private synchronized String ownAlertState(String deviceId) {
        return deviceAlertState.getOrDefault(deviceId, "NORMAL");
    }

    public synchronized List<JsonNode> conversions(int max) {
        return newest(conversions, max);
    }

    public synchronized List<JsonNode> enrichedClicks(String user, int max) {
        NavigableMap<Position, JsonNode> clicks = clicksByUser.get(user);
        return clicks == null ? List.of() : newest(clicks, max);
    }

    /**
     * Where a record stands in its topic, newest first: by record timestamp, then partition and offset (which only
     * break ties, the same way everywhere).
     */
    public record Position(long timestamp, int partition, long offset) implements Comparable<Position> {
        private static final Comparator<Position> NEWEST_FIRST = Comparator.comparingLong(Position::timestamp)
            .thenComparingInt(Position::partition).thenComparingLong(Position::offset).reversed();

        @Override
        public int compareTo(Position other) {
            return NEWEST_FIRST.compare(this, other);
        }
    }

    private static void keepNewest(NavigableMap<Position, JsonNode> items, Position position, JsonNode item, int max) {
        items.put(position, item);
        while (items.size() > max) {
            items.pollLastEntry();
        }
    }

    private static List<JsonNode> newest(NavigableMap<Position, JsonNode> items, int max) {
        List<JsonNode> out = new ArrayList<>(Math.min(max, items.size()));
        for (Iterator<JsonNode> it = items.values().iterator(); it.hasNext() && out.size() < max; ) {
            out.add(it.next());
        }
        return out;
    }

    private static void push(Deque<JsonNode> deque, JsonNode item, int max) {
        deque.addFirst(item);
        while (deque.size() > max) {
            deque.removeLast();
        }
    }


    private static double timestamp(JsonNode item) {
        JsonNode ts = item.get("timestamp");
        return ts != null && ts.isNumber() ? ts.getDoubleValue() : 0;
    }
}
