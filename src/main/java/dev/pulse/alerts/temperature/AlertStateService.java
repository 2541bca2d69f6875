package dev.pulse.alerts.temperature;

import dev.pulse.alerts.StateFormat;
import dev.pulse.alerts.StateStore;
import dev.pulse.events.WireTime;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The devices' alert states as the temperature alert decisions left them in the state store
 * ({@link DeviceAlertState}, written by {@link TemperatureAlertService} in the same compare-and-set as its progress):
 * what the dashboard reports as a device's {@code alert_state} and as the open alerts. Every instance reads the same
 * state, so every instance answers the same, right after a restart and whatever else the alert topic holds.
 */
@Singleton
public class AlertStateService {

    private final StateStore store;
    private final StateFormat format;

    public AlertStateService(StateStore store, JsonMapper json) {
        this.store = store;
        this.format = new StateFormat(json);
    }

    /** Whether the state store failed just before: a reader with another source should not wait for it now. */
    public boolean away() {
        return store.away();
    }

    /** @return {@code RAISED} while the device's alert is open, else {@code NORMAL} */
    public String alertState(String deviceId) {
        String key = TemperatureAlertService.stateKey(deviceId);
        String state = store.getAll(List.of(key)).get(key);
        return state != null && read(state).raised() ? TemperatureAlert.RAISED : DeviceAlertState.NORMAL;
    }

    /**
     * @return the open alerts (RAISED, not yet CLEARED) as their RAISED alert said ({@code alert_id, device_id, state,
     *         temperature, threshold, timestamp}), newest first, ties by alert id
     */
    public List<Map<String, Object>> openAlerts(int max) {
        Set<String> devices = store.listed(TemperatureAlertService.OPEN_LIST);
        if (devices.isEmpty()) {
            return List.of();
        }
        List<String> keys = devices.stream().map(TemperatureAlertService::stateKey).toList();
        Map<String, String> states = store.getAll(keys);
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (String device : devices) {
            String value = states.get(TemperatureAlertService.stateKey(device));
            DeviceAlertState state = value == null ? null : read(value);
            if (state == null || !state.raised()) {
                continue; // cleared between reading the list and the states
            }
            Map<String, Object> alert = new LinkedHashMap<>();
            alert.put("alert_id", state.alertId());
            alert.put("device_id", device);
            alert.put("state", TemperatureAlert.RAISED);
            alert.put("temperature", state.temperature());
            alert.put("threshold", state.threshold());
            alert.put("timestamp", state.since() == null ? null : WireTime.epochSeconds(state.since()));
            alerts.add(alert);
        }
        alerts.sort(Comparator.comparingDouble(AlertStateService::timestamp).reversed()
            .thenComparing(alert -> String.valueOf(alert.get("alert_id"))));
        return List.copyOf(alerts.subList(0, Math.min(max, alerts.size())));
    }

    private static double timestamp(Map<String, Object> alert) {
        return alert.get("timestamp") instanceof Number n ? n.doubleValue() : 0;
    }

    private DeviceAlertState read(String value) {
        return format.read(value, DeviceAlertState.class);
    }
}
