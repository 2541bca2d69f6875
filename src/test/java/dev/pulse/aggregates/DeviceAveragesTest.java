package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import dev.pulse.kafka.Topics;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import static dev.pulse.aggregates.TopologyDriver.SECOND;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.T0S;
import static dev.pulse.aggregates.TopologyDriver.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DeviceAverages}: {@code real-time-data} → {@code device-averages} and the latest reading per device,
 * driven record by record with explicit event times.
 */
class DeviceAveragesTest {

    /** The repartition topic as the test driver names it (its application id, then Streams' suffix). */
    private static final String READINGS_BY_DEVICE = "pulse-aggregates-test-readings-by-device-repartition";

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

    @Test
    void aReadingKeyedByItsDeviceOnItsPartitionIsCountedWithoutGoingThroughTheRepartitionTopic() {
        try (TopologyDriver topology = new TopologyDriver(DeviceAverages::build)) {
            // The first reading teaches the topology the partition count of readings-by-device: it goes through it.
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", reading("sensor_1", 40.0, T0S), T0);
            assertEquals(List.of("sensor_1"), keys(topology.readBytes(READINGS_BY_DEVICE)));

            // The driver has one partition, which is every device's: the rest are in place.
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", reading("sensor_1", 50.0, T0S + 1), T0);
            topology.send(Topics.REAL_TIME_DATA, "sensor_2", reading("sensor_2", 20.0, T0S + 2), T0);
            topology.send(Topics.REAL_TIME_DATA, "sensor_2", "Temperature: 86F", T0 + 3 * SECOND);
            assertEquals(List.of(), topology.readBytes(READINGS_BY_DEVICE), "in place: not repartitioned");

            KeyValueStore<String, SensorReading> latest = topology.driver.getKeyValueStore(AggregateStores.DEVICE_LATEST);
            assertEquals(new SensorReading("sensor_1", 50.0, (T0S + 1) * 1000), latest.get("sensor_1"));
            assertEquals(new SensorReading("sensor_2", 30.0, T0 + 3 * SECOND), latest.get("sensor_2"));
            topology.commit();
            List<KeyValue<String, String>> averages = topology.read(Topics.DEVICE_AVERAGES);
            assertEquals("{\"device_id\":\"sensor_1\",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 300)
                + ",\"count\":2,\"average\":45,\"min\":40,\"max\":50}", window(averages, "sensor_1", T0S));
            assertEquals("{\"device_id\":\"sensor_2\",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 300)
                + ",\"count\":2,\"average\":25,\"min\":20,\"max\":30}", window(averages, "sensor_2", T0S));
        }
    }

    @Test
    void withThePartitionCountKnownWhenBuiltTheFirstReadingKeyedByItsDeviceIsInPlaceToo() {
        TopologyDriver.Part knowingTheCount = (builder, properties, inputs) -> DeviceAverages.build(builder, properties,
            new InputStreams(UnaryOperator.identity(), inputs.decoder(), inputs.jsonMapper(), inputs.metrics(),
                Map.of(Topics.REAL_TIME_DATA, 1)));
        try (TopologyDriver topology = new TopologyDriver(knowingTheCount)) {
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", reading("sensor_1", 40.0, T0S), T0);
            topology.send(Topics.REAL_TIME_DATA, "sensor_1", reading("sensor_1", 50.0, T0S + 1), T0);
            assertEquals(List.of(), topology.readBytes(READINGS_BY_DEVICE), "in place from the first reading on");
            topology.commit();
            assertEquals("{\"device_id\":\"sensor_1\",\"window_start\":" + T0S + ",\"window_end\":" + (T0S + 300)
                + ",\"count\":2,\"average\":45,\"min\":40,\"max\":50}",
                window(topology.read(Topics.DEVICE_AVERAGES), "sensor_1", T0S));
        }
    }

    @Test
    void readingsWithAnotherKeyOrNoneGoThroughTheRepartitionTopicAndAverageAsReadingsKeyedByTheirDevice() {
        List<String[]> sent = List.of(
            new String[] {"sensor_1", reading("sensor_1", 40.0, T0S + 10)},
            new String[] {"sensor_2", reading("sensor_2", 61.5, T0S + 20)},
            new String[] {"sensor_1", reading("sensor_1", 44.0, T0S + 70)},
            new String[] {"sensor_1", reading("sensor_1", 39.0, T0S + 30)},
            new String[] {"sensor_2", reading("sensor_2", 58.0, T0S + 400)});
        List<KeyValue<String, String>> byDevice;
        try (TopologyDriver keyedByDevice = new TopologyDriver(DeviceAverages::build)) {
            sent.forEach(r -> keyedByDevice.send(Topics.REAL_TIME_DATA, r[0], r[1], T0));
            keyedByDevice.commit();
            byDevice = keyedByDevice.read(Topics.DEVICE_AVERAGES);
            assertEquals(1, keyedByDevice.readBytes(READINGS_BY_DEVICE).size(), "only the first is repartitioned");
        }
        try (TopologyDriver otherKeys = new TopologyDriver(DeviceAverages::build)) {
            // No key, another device's, and one that is not the device at all.
            String[] keys = {null, "sensor_1", "gateway-7", null, "sensor_1"};
            for (int i = 0; i < sent.size(); i++) {
                otherKeys.send(Topics.REAL_TIME_DATA, keys[i], sent.get(i)[1], T0);
            }
            assertEquals(List.of("sensor_1", "sensor_2", "sensor_1", "sensor_1", "sensor_2"),
                keys(otherKeys.readBytes(READINGS_BY_DEVICE)), "every reading repartitioned, keyed by its device");
            otherKeys.commit();
            assertEquals(byDevice, otherKeys.read(Topics.DEVICE_AVERAGES));
            KeyValueStore<String, SensorReading> latest = otherKeys.driver.getKeyValueStore(AggregateStores.DEVICE_LATEST);
            assertEquals(new SensorReading("sensor_1", 44.0, (T0S + 70) * 1000), latest.get("sensor_1"));
            assertEquals(new SensorReading("sensor_2", 58.0, (T0S + 400) * 1000), latest.get("sensor_2"));
        }
    }

    @Test
    void aReadingIsInPlaceOnlyKeyedByItsDeviceOnTheMurmur2PartitionOfTheRepartitionTopicsCount() {
        DeviceAverages.DevicePartitions partitions = new DeviceAverages.DevicePartitions();
        SensorReading reading = new SensorReading("sensor_1", 20.0, T0);
        int murmur2 = Utils.toPositive(Utils.murmur2("sensor_1".getBytes(StandardCharsets.UTF_8))) % 3;
        assertFalse(partitions.inPlace("sensor_1", reading, murmur2), "nothing is in place before the count is known");
        assertTrue(new DeviceAverages.DevicePartitions(3).inPlace("sensor_1", reading, murmur2),
            "the count of real-time-data when the topology was built");

        assertEquals(Optional.of(Set.of(murmur2)), partitions.partitions(READINGS_BY_DEVICE, "sensor_1", reading, 3));
        assertTrue(partitions.inPlace("sensor_1", reading, murmur2));
        // Where librdkafka's CRC32 or an explicit partition may put it, another key, no key.
        assertFalse(partitions.inPlace("sensor_1", reading, (murmur2 + 1) % 3));
        assertFalse(partitions.inPlace("sensor_1", reading, (murmur2 + 2) % 3));
        assertFalse(partitions.inPlace("gateway-7", reading, murmur2));
        assertFalse(partitions.inPlace(null, reading, murmur2));

        // The count is the topic's as the producer last saw it.
        int murmur2Of5 = Utils.toPositive(Utils.murmur2("sensor_1".getBytes(StandardCharsets.UTF_8))) % 5;
        partitions.partitions(READINGS_BY_DEVICE, "sensor_9", reading, 5);
        assertTrue(partitions.inPlace("sensor_1", reading, murmur2Of5));
        assertEquals(murmur2 == murmur2Of5, partitions.inPlace("sensor_1", reading, murmur2));
    }

    private static String reading(String device, double temperature, long epochSeconds) {
        return "{\"device_id\": \"" + device + "\", \"temperature\": " + temperature + ", \"timestamp\": "
            + epochSeconds + "}";
    }

    private static List<String> keys(List<KeyValue<String, byte[]>> records) {
        return records.stream().map(kv -> kv.key).toList();
    }

    /** The last record of {@code device}'s window starting at {@code start}. */
    private static String window(List<KeyValue<String, String>> averages, String device, long start) {
        return averages.stream()
            .filter(kv -> kv.key.equals(device) && field(kv.value, "window_start").getLongValue() == start)
            .reduce((first, second) -> second).orElseThrow(() -> new AssertionError(averages.toString())).value;
    }

    private static JsonNode field(String json, String name) {
        return parse(json).get(name);
    }
}
