package dev.pulse.dashboard;

import dev.pulse.alerts.temperature.AlertStateService;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * This instance's view of the alert topics, which {@code GET /api/alerts?state=all} lists: the newest
 * {@code pulse.dashboard.recent-limit} temperature alerts and fraud alerts of everything {@code temperature-alerts}
 * and {@code fraud-alerts} hold, read whole on every instance by {@link AlertHistoryReader}. Newest by the alert's
 * {@code timestamp}, then partition and offset: which alerts are held depends only on what the topics hold, not on
 * the order the partitions were read in nor on when the instance started, so every instance that has read the topics
 * to the end they had when it started gives the same answer. Until then ({@link #complete()}) the lists are a 503.
 *
 * <p>Open alerts and a device's alert state come from the alert state the temperature alert decisions keep in Redis
 * ({@link AlertStateService}), the same on every instance. Only while Redis does not answer do they come from this
 * view (each device's last alert on the topic), and then only once it is complete.
 */
@Singleton
public class RecentAlerts {

    private static final Logger LOG = LoggerFactory.getLogger(RecentAlerts.class);

    private final int limit;
    private final AlertStateService alertStates;
    private final NavigableMap<Position, JsonNode> temperatureAlerts = new TreeMap<>();
    private final NavigableMap<Position, JsonNode> fraudAlerts = new TreeMap<>();
    private final Map<String, String> deviceAlertState = new HashMap<>();
    private final Map<String, JsonNode> openAlerts = new HashMap<>();
    private volatile boolean complete;

    public RecentAlerts(DashboardProperties properties, AlertStateService alertStates) {
        this.limit = properties.recentLimit();
        this.alertStates = alertStates;
    }

    /** A {@code temperature-alerts} record of {@code deviceId}; reading one again changes nothing. */
    public synchronized void temperatureAlert(String deviceId, JsonNode alert, Position position) {
        keepNewest(temperatureAlerts, position, alert);
        JsonNode state = alert.get("state");
        boolean raised = state != null && "RAISED".equals(state.coerceStringValue());
        deviceAlertState.put(deviceId, raised ? "RAISED" : "NORMAL");
        if (raised) {
            openAlerts.put(deviceId, alert);
        } else {
            openAlerts.remove(deviceId);
        }
    }

    /** A {@code fraud-alerts} record; reading one again changes nothing. */
    public synchronized void fraudAlert(JsonNode alert, Position position) {
        keepNewest(fraudAlerts, position, alert);
    }

    /** Marks the view as holding everything the topics held when this instance started. */
    public void complete() {
        complete = true;
    }

    /** Whether the alert topics have been read to the end they had when this instance started. */
    public boolean isComplete() {
        return complete;
    }

    /**
     * Temperature alerts and/or fraud alerts, newest first (at one position, temperature first).
     *
     * @throws StateNotReadyException until the view is complete
     */
    public synchronized List<JsonNode> alerts(boolean temperature, boolean fraud, int max) {
        requireComplete();
        List<Map.Entry<Position, JsonNode>> merged = new ArrayList<>();
        if (temperature) {
            merged.addAll(temperatureAlerts.entrySet());
        }
        if (fraud) {
            merged.addAll(fraudAlerts.entrySet());
        }
        merged.sort(Map.Entry.comparingByKey()); // stable: a tie keeps temperature first
        List<JsonNode> out = new ArrayList<>(Math.min(max, merged.size()));
        for (Iterator<Map.Entry<Position, JsonNode>> it = merged.iterator(); it.hasNext() && out.size() < max; ) {
            out.add(it.next().getValue());
        }
        return out;
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
        requireComplete();
        List<JsonNode> open = new ArrayList<>(openAlerts.values());
        open.sort(Comparator.comparingDouble(RecentAlerts::timestampOf).reversed());
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
        requireComplete();
        return deviceAlertState.getOrDefault(deviceId, "NORMAL");
    }

    private void requireComplete() {
        if (!complete) {
            throw StateNotReadyException.because("this instance is still reading temperature-alerts and fraud-alerts "
                + "from their beginning, which the alert lists are made of");
        }
    }

    /**
     * Where an alert stands, newest first: by its {@code timestamp} (the record timestamp when it has none), then
     * partition and offset, which only break ties, the same way everywhere.
     */
    public record Position(long timestampMs, int partition, long offset) implements Comparable<Position> {
        private static final Comparator<Position> NEWEST_FIRST = Comparator.comparingLong(Position::timestampMs)
            .thenComparingInt(Position::partition).thenComparingLong(Position::offset).reversed();

        /** The position of {@code alert}, read at {@code partition}/{@code offset} with {@code recordTimestamp}. */
        public static Position of(JsonNode alert, long recordTimestamp, int partition, long offset) {
            JsonNode ts = alert.get("timestamp");
            long time = ts != null && ts.isNumber() ? Math.round(ts.getDoubleValue() * 1000) : recordTimestamp;
            return new Position(time, partition, offset);
        }

        @Override
        public int compareTo(Position other) {
            return NEWEST_FIRST.compare(this, other);
        }
    }

    private void keepNewest(NavigableMap<Position, JsonNode> items, Position position, JsonNode item) {
        items.put(position, item);
        while (items.size() > limit) {
            items.pollLastEntry();
        }
    }

    private static double timestampOf(JsonNode item) {
        JsonNode ts = item.get("timestamp");
        return ts != null && ts.isNumber() ? ts.getDoubleValue() : 0;
    }
}
