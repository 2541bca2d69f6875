package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import dev.pulse.kafka.Topics;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.pulse.aggregates.TopologyDriver.SECOND;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link DeviceAverages}: {@code real-time-data} → {@code device-averages} and the latest reading per device,
 * driven record by record with explicit event times.
 */
class DeviceAveragesTest {

    @Test
    void averagesEachDeviceOverFiveMinuteWindowsAdvancingEveryMinuteEmittedOncePerCommit() {
        try (TopologyDriver topology = new TopologyDriver(DeviceAverages::build)) {
            topology.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 52.5, \"timestamp\": " + (T0S + 90) + "}", T0);
            // Plain text: the device is the key, °F becomes °C, the record time is the event time.
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", "Temperature: 86F", T0 + 100 * SECOND);
            assertEquals(List.of(), topology.read(Topics.DEVICE_AVERAGES), "nothing before the commit interval");

            topology.commit();
            List<KeyValue<String, String>> averages = topology.read(Topics.DEVICE_AVERAGES);
            assertEquals(5, averages.size(), "both readings fall in the same five windows, each emitted once: " + averages);
            List<String> starts = averages.stream()
                .map(kv -> String.valueOf(field(kv.value, "window_start").getLongValue())).toList();
            assertEquals(List.of(T0S - 180, T0S - 120, T0S - 60, T0S, T0S + 60).stream().map(String::valueOf).toList(),
                starts);
            assertEquals(KeyValue.pair("sensor_1", "{\"device_id\":\"sensor_1\",\"window_start\":" + (T0S + 60)
                    + ",\"window_end\":" + (T0S + 360) + ",\"count\":2,\"average\":41.25,\"min\":30,\"max\":52.5}"),
                averages.get(4));

            topology.commit();
            assertEquals(List.of(), topology.read(Topics.DEVICE_AVERAGES), "no change, nothing emitted");
            // Six minutes on: a new slice whose windows start at +60 s (its only window shared with the first) to +360 s.
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", "Temperature: 20C", T0 + 390 * SECOND);
            topology.commit();
            averages = topology.read(Topics.DEVICE_AVERAGES);
            assertEquals(List.of(T0S + 120, T0S + 180, T0S + 240, T0S + 300, T0S + 360).stream().map(String::valueOf).toList(),
                averages.stream().map(kv -> String.valueOf(field(kv.value, "window_start").getLongValue())).toList());
            assertEquals(1, field(averages.get(0).value, "count").getLongValue(), averages.toString());
        }
    }

    @Test
    void aWindowChangedBeforeARestartIsEmittedAfterIt(@TempDir Path state) throws IOException {
        Path copy = state.resolve("copy");
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), DeviceAverages::build,
                TopologyDriver.stateDir(state.resolve("first")))) {
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", "Temperature: 30C", T0 + 30 * SECOND);
            // The reading's commit, without the commit interval's emission: the instance stops in between.
            TopologyDriver.copyTree(state.resolve("first"), copy);
        }
        try (TopologyDriver topology = new TopologyDriver(AggregatesProperties.defaults(), DeviceAverages::build,
                TopologyDriver.stateDir(copy))) {
            topology.commit();
            List<KeyValue<String, String>> averages = topology.read(Topics.DEVICE_AVERAGES);
            assertEquals(5, averages.size(), averages.toString());
            assertEquals(1, field(averages.get(4).value, "count").getLongValue(), averages.toString());
        }
    }

    @Test
    void keepsEachDevicesLatestReadingByEventTime() {
        try (TopologyDriver topology = new TopologyDriver(DeviceAverages::build)) {
            topology.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 40.0, \"timestamp\": " + (T0S + 60) + "}", T0);
            // Arrives later but happened earlier: it does not replace the newer reading.
            topology.send(Topics.REAL_TIME_DATA, "sensor_1",
                "{\"device_id\": \"sensor_1\", \"temperature\": 99.0, \"timestamp\": " + (T0S + 30) + "}", T0);
            topology.send(Topics.REAL_TIME_DATA, "sensor_2",
                "{\"device_id\": \"sensor_2\", \"temperature\": 20.0, \"timestamp\": " + T0S + "}", T0);

            // A plain-text reading has no time of its own: its record's time stands in.
            topology.send(Topics.REAL_TIME_DATA, "sensor_3", "Temperature: 30C", T0 + 5 * SECOND);

            KeyValueStore<String, SensorReading> latest = topology.driver.getKeyValueStore(AggregateStores.DEVICE_LATEST);
            assertEquals(new SensorReading("sensor_1", 40.0, (T0S + 60) * 1000), latest.get("sensor_1"));
            assertEquals(20.0, latest.get("sensor_2").temperature());
            assertEquals(new SensorReading("sensor_3", 30.0, T0 + 5 * SECOND), latest.get("sensor_3"));
        }
    }

    private static JsonNode field(String json, String name) {
        return parse(json).get(name);
    }
}
