package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.DeviceSlice;
import dev.pulse.events.SensorReading;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.pulse.dashboard.Answers.items;
import static dev.pulse.dashboard.Answers.ordered;
import static dev.pulse.dashboard.Answers.seconds;
import static dev.pulse.dashboard.Answers.statsItem;

/**
 * Reads of the devices ({@code DeviceAverages}): a device's latest reading, its hopping-window
 * averages (combined from the window slices the topology keeps, latest window first) and its alert state (from {@link RecentAlerts}); every device.
 */
@Singleton
public class DeviceQueries {

    private final StoreReads reads;
    private final RecentAlerts recent;
    private final long deviceWindowMs;
    private final long deviceAdvanceMs;

    DeviceQueries(StoreReads reads, RecentAlerts recent, AggregatesProperties properties) {
        this.reads = reads;
        this.recent = recent;
        this.deviceWindowMs = properties.deviceWindow().toMillis();
        this.deviceAdvanceMs = properties.deviceAdvance().toMillis();
    }

    /** {@code {"device_id", "temperature", "timestamp", "alert_state", "averages"}}. */
    public String device(String deviceId, String path, boolean forwarded) {
        return reads.keyRead("device", CacheGroups.device(deviceId), "one", AggregateStores.DEVICE_LATEST, deviceId, path,
            forwarded, () -> deviceAnswer(deviceId));
    }

    /** {@code items}: every device as {@link #device} answers it, by device id. */
    public String devices(String path, boolean forwarded) {
        return reads.scanRead("devices", CacheGroups.DEVICES, "all", AggregateStores.DEVICE_LATEST, path, forwarded,
            () -> {
                List<String> ids = new ArrayList<>();
                try (KeyValueIterator<String, SensorReading> it = latest().all()) {
                    it.forEachRemaining(kv -> ids.add(kv.key));
                }
                List<Map<String, Object>> items = new ArrayList<>();
                for (String id : ids) {
                    Map<String, Object> device = deviceAnswer(id);
                    device.remove("as_of");
                    items.add(device);
                }
                return items;
            },
            items -> {
                items.sort(Comparator.comparing(i -> (String) i.get("device_id")));
                return items(items);
            });
    }

    private Map<String, Object> deviceAnswer(String deviceId) {
        SensorReading latest = reads.<ReadOnlyKeyValueStore<String, SensorReading>>store(AggregateStores.DEVICE_LATEST,
            QueryableStoreTypes.keyValueStore(), deviceId).get(deviceId);
        // Same partitions as the latest readings (one sub-topology, keyed by device).
        ReadOnlyWindowStore<String, DeviceSlice> store = reads.store(AggregateStores.DEVICE_SLICES,
            QueryableStoreTypes.windowStore(), deviceId);
        TreeMap<Long, DeviceSlice> slices = new TreeMap<>();
        try (WindowStoreIterator<DeviceSlice> it = store.fetch(deviceId, StoreReads.BEGINNING, StoreReads.END)) {
            it.forEachRemaining(kv -> slices.put(kv.key, kv.value));
        }
        List<Map<String, Object>> averages = new ArrayList<>();
        for (DeviceSlice.Window window : DeviceSlice.windows(slices, deviceWindowMs, deviceAdvanceMs)) {
            Map<String, Object> item = ordered(
                "window_start", seconds(window.start()),
                "window_end", seconds(window.start() + deviceWindowMs));
            item.putAll(statsItem(null, null, window.stats()));
            averages.add(item);
        }
        Map<String, Object> answer = ordered(
            "device_id", deviceId,
            "temperature", latest == null ? null : latest.temperature(),
            "timestamp", latest == null || latest.eventTimeMs() == null ? null : seconds(latest.eventTimeMs()),
            "alert_state", recent.alertState(deviceId),
            "averages", averages);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }

    private ReadOnlyKeyValueStore<String, SensorReading> latest() {
        return reads.store(AggregateStores.DEVICE_LATEST, QueryableStoreTypes.keyValueStore());
    }
}
