package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micronaut.json.tree.JsonNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static dev.pulse.aggregates.TopologyDriver.SECOND;
import static dev.pulse.aggregates.TopologyDriver.T0;
import static dev.pulse.aggregates.TopologyDriver.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DeviceAverages}' sliced windows hold and emit what Kafka Streams' hopping window aggregate
 * ({@link HoppingDeviceAverages}, the implementation they replaced) holds and emits behind the record cache, on random
 * readings of a few devices: times out of order and late (some past their windows' grace, some past only their
 * earliest windows'), JSON and plain-text readings, keyed by their device (which the sliced windows' topology takes in
 * place) and JSON ones without a key (which it repartitions), several window shapes and graces.
 *
 * <p>Each runs in a {@link org.apache.kafka.streams.TopologyTestDriver}. The hopping aggregate there emits every
 * update (the driver flushes the cache after every record); production's cache emits each changed window once per
 * commit, its last value. So at random commit points (the generator's, and the end) the wall clock moves on by a
 * commit interval, which is when the sliced windows emit, and then for the readings since the last commit point: the
 * sliced windows emitted each window the hopping aggregate emitted, once, with its last value (no other window, no
 * window twice); and the latest record of every window so far is the same on both. After every reading, the windows
 * each holds (as the dashboard reads them) and the late records each counted must be the same.
 *
 * <p>Count, min, max, window bounds, record keys and timestamps must be equal; a sum (and so an average) may differ in
 * the last bits, because the slices add the readings in another order.
 */
class DeviceAveragesPropertyTest {

    private static final List<String> DEVICES = List.of("sensor_1", "sensor_2", "sensor_3");

    /** One reading: its device, its time relative to the latest so far, its temperature, and how it is sent. */
    record Reading(String device, long deltaMs, double temperature, Format format, boolean commit) {
    }

    /** How a reading is sent; a JSON reading without a key goes through {@code readings-by-device}, the others do not. */
    enum Format { JSON, JSON_WITHOUT_KEY, CELSIUS_TEXT, FAHRENHEIT_TEXT }

    /** Window size, advance and grace. */
    record Shape(Duration size, Duration advance, Duration grace) {
    }

    @Property(tries = 50)
    void slicedWindowsHoldAndEmitWhatCachedHoppingWindowsDo(@ForAll("shapes") Shape shape,
                                                           @ForAll("readings") List<Reading> readings) {
        AggregatesProperties defaults = AggregatesProperties.defaults();
        AggregatesProperties properties = new AggregatesProperties(shape.grace(), defaults.categoryWindow(),
            defaults.eventCountWindow(), defaults.pageWindow(), defaults.topN(), shape.size(), shape.advance(),
            defaults.sessionGap(), defaults.joinWindow(), defaults.storeRetention(), defaults.homePage(),
            defaults.idleCloseAfter(), defaults.idleCloseCheck(), defaults.recentClicks(), defaults.recentConversions());
        Trace expected = run(new TopologyDriver(properties, HoppingDeviceAverages::build), readings,
            driver -> hoppingWindows(driver, shape));
        Trace actual = run(new TopologyDriver(properties, DeviceAverages::build), readings,
            driver -> slicedWindows(driver, shape));
        Map<String, TestRecord<String, String>> latestWanted = new HashMap<>();
        Map<String, TestRecord<String, String>> latestGot = new HashMap<>();
        for (int i = 0; i < readings.size(); i++) {
            String step = "after reading " + i + " of " + readings;
            Snapshot want = expected.snapshots().get(i);
            Snapshot got = actual.snapshots().get(i);
            assertSameWindows(want.windows(), got.windows(), step);
            assertEquals(want.dropped(), got.dropped(), "late records counted, " + step);
            if (expected.committed().contains(i)) {
                // The hopping aggregate's emissions since the last commit, as the cache would have sent them.
                Map<String, TestRecord<String, String>> cached = new LinkedHashMap<>();
                for (int j = i; j >= 0 && (j == i || !expected.committed().contains(j)); j--) {
                    for (TestRecord<String, String> record : expected.emitted().get(j)) {
                        cached.putIfAbsent(window(record), record);
                    }
                }
                Map<String, TestRecord<String, String>> emitted = new HashMap<>();
                for (TestRecord<String, String> record : actual.emitted().get(i)) {
                    assertNull(emitted.put(window(record), record), "a window emitted twice in one commit, " + step
                        + ": " + actual.emitted().get(i));
                }
                assertEquals(cached.keySet(), emitted.keySet(), "windows emitted at the commit " + step);
                for (String window : cached.keySet()) {
                    assertSameRecord(cached.get(window), emitted.get(window), window + " " + step);
                }
                latestWanted.putAll(cached);
                latestGot.putAll(emitted);
                assertEquals(latestWanted.keySet(), latestGot.keySet(), step);
                for (String window : latestWanted.keySet()) {
                    assertSameRecord(latestWanted.get(window), latestGot.get(window), "latest of " + window + " " + step);
                }
            } else {
                assertEquals(List.of(), actual.emitted().get(i), "nothing emitted between commits, " + step);
            }
        }
    }

    /** What one implementation emitted after each reading (and its commit), what it held, and where it committed. */
    record Trace(List<List<TestRecord<String, String>>> emitted, List<Snapshot> snapshots, Set<Integer> committed) {
    }

    /** The windows each device holds, latest first, as the dashboard reads them; the late records counted so far. */
    record Snapshot(Map<String, List<DeviceSlice.Window>> windows, double dropped) {
    }

    /**
     * Each driver runs alone, so the readings go through one implementation and then the other. A commit point moves
     * the wall clock on by a commit interval (the sliced windows emit; the hopping aggregate has already).
     */
    private static Trace run(TopologyDriver topology, List<Reading> readings,
                             Function<TopologyDriver, Map<String, List<DeviceSlice.Window>>> windows) {
        try (topology) {
            List<List<TestRecord<String, String>>> emitted = new ArrayList<>();
            List<Snapshot> snapshots = new ArrayList<>();
            Set<Integer> committed = new HashSet<>();
            long latest = T0 + 10 * 60 * SECOND;
            for (int i = 0; i < readings.size(); i++) {
                Reading reading = readings.get(i);
                long time = Math.max(T0, latest + reading.deltaMs());
                latest = Math.max(latest, time);
                send(topology, reading, time);
                if (reading.commit() || i == readings.size() - 1) {
                    topology.commit();
                    committed.add(i);
                }
                emitted.add(topology.readRecords(Topics.DEVICE_AVERAGES));
                snapshots.add(new Snapshot(windows.apply(topology), droppedRecords(topology)));
            }
            return new Trace(emitted, snapshots, committed);
        }
    }

    /** A record's device and window start. */
    private static String window(TestRecord<String, String> record) {
        return record.key() + "@" + parse(record.value()).get("window_start").getLongValue();
    }

    private static Map<String, List<DeviceSlice.Window>> hoppingWindows(TopologyDriver topology, Shape shape) {
        WindowStore<String, ValueAndTimestamp<Stats>> hopping =
            topology.driver.getTimestampedWindowStore(HoppingDeviceAverages.STORE);
        Map<String, List<DeviceSlice.Window>> windows = new HashMap<>();
        for (String device : DEVICES) {
            List<DeviceSlice.Window> list = new ArrayList<>();
            // As the dashboard read the hopping store: every window of the device, latest first.
            try (KeyValueIterator<Long, ValueAndTimestamp<Stats>> it = hopping.backwardFetch(device, 0L, Long.MAX_VALUE / 2)) {
                it.forEachRemaining(kv -> list.add(new DeviceSlice.Window(kv.key, kv.value.timestamp(), kv.value.value())));
            }
            windows.put(device, list);
        }
        return windows;
    }

    private static Map<String, List<DeviceSlice.Window>> slicedWindows(TopologyDriver topology, Shape shape) {
        WindowStore<String, DeviceSlice> slices = topology.driver.getWindowStore(AggregateStores.DEVICE_SLICES);
        Map<String, List<DeviceSlice.Window>> windows = new HashMap<>();
        for (String device : DEVICES) {
            // As DeviceQueries reads them.
            TreeMap<Long, DeviceSlice> deviceSlices = new TreeMap<>();
            try (WindowStoreIterator<DeviceSlice> it = slices.fetch(device, 0L, Long.MAX_VALUE / 2)) {
                it.forEachRemaining(kv -> deviceSlices.put(kv.key, kv.value));
            }
            windows.put(device, DeviceSlice.windows(deviceSlices, shape.size().toMillis(), shape.advance().toMillis()));
        }
        return windows;
    }

    @Provide
    Arbitrary<Shape> shapes() {
        return Arbitraries.of(
            new Shape(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(10)),
            new Shape(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ZERO),
            new Shape(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(2)),
            new Shape(Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofSeconds(10)),
            new Shape(Duration.ofMinutes(3), Duration.ofSeconds(90), Duration.ofSeconds(30)),
            new Shape(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(10)));
    }

    @Provide
    Arbitrary<List<Reading>> readings() {
        Arbitrary<Long> delta = Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.longs().between(0, 40 * SECOND)),          // in order
            Tuple.of(3, Arbitraries.longs().between(-90 * SECOND, 0)),          // a little out of order
            Tuple.of(2, Arbitraries.longs().between(-7 * 60 * SECOND, -90 * SECOND)), // late for some or all windows
            Tuple.of(1, Arbitraries.longs().between(60 * SECOND, 6 * 60 * SECOND))); // a jump
        Arbitrary<Double> temperature = Arbitraries.doubles().between(-40, 120).ofScale(3);
        return Combinators.combine(Arbitraries.of(DEVICES), delta, temperature, Arbitraries.of(Format.class),
                Arbitraries.of(true, false, false, false))
            .as(Reading::new)
            .list().ofMinSize(1).ofMaxSize(60);
    }

    private static void send(TopologyDriver driver, Reading reading, long timeMs) {
        switch (reading.format()) {
            // A JSON reading's own time is in whole seconds; the record time differs, and must not count.
            case JSON -> driver.send(Topics.REAL_TIME_DATA, reading.device(), "{\"device_id\": \"" + reading.device()
                + "\", \"temperature\": " + reading.temperature() + ", \"timestamp\": " + timeMs / 1000 + "}", T0);
            case JSON_WITHOUT_KEY -> driver.send(Topics.REAL_TIME_DATA, null, "{\"device_id\": \"" + reading.device()
                + "\", \"temperature\": " + reading.temperature() + ", \"timestamp\": " + timeMs / 1000 + "}", T0);
            // Plain text: the key names the device and the record time is the event time, to the millisecond.
            case CELSIUS_TEXT -> driver.send(Topics.REAL_TIME_DATA, reading.device(),
                "Temperature: " + reading.temperature() + "C", timeMs);
            case FAHRENHEIT_TEXT -> driver.send(Topics.REAL_TIME_DATA, reading.device(),
                "Temperature: " + reading.temperature() + "F", timeMs);
        }
    }

    private static void assertSameRecord(TestRecord<String, String> want, TestRecord<String, String> got, String step) {
        String what = want + " vs " + got + ", " + step;
        assertEquals(want.key(), got.key(), what);
        assertEquals(want.timestamp(), got.timestamp(), what);
        JsonNode w = parse(want.value());
        JsonNode g = parse(got.value());
        for (String field : List.of("device_id", "window_start", "window_end", "count", "min", "max")) {
            assertEquals(w.get(field), g.get(field), field + " of " + what);
        }
        assertClose(w.get("average").getDoubleValue(), g.get("average").getDoubleValue(), what);
    }

    private static void assertSameWindows(Map<String, List<DeviceSlice.Window>> expected,
                                          Map<String, List<DeviceSlice.Window>> actual, String step) {
        for (String device : DEVICES) {
            List<DeviceSlice.Window> want = expected.get(device);
            List<DeviceSlice.Window> got = actual.get(device);
            String what = device + "'s windows " + step + ": " + want + " vs " + got;
            assertEquals(want.size(), got.size(), what);
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).start(), got.get(i).start(), what);
                assertEquals(want.get(i).latestTimestamp(), got.get(i).latestTimestamp(), what);
                assertEquals(want.get(i).stats().count(), got.get(i).stats().count(), what);
                assertEquals(want.get(i).stats().min(), got.get(i).stats().min(), what);
                assertEquals(want.get(i).stats().max(), got.get(i).stats().max(), what);
                assertClose(want.get(i).stats().sum(), got.get(i).stats().sum(), what);
            }
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-9 * Math.max(1, Math.abs(expected)),
            expected + " vs " + actual + ": " + what);
    }

    /** Streams' dropped-records count over the driver's tasks: the late records. */
    private static double droppedRecords(TopologyDriver driver) {
        double total = 0;
        for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> metric : driver.driver.metrics().entrySet()) {
            if (metric.getKey().name().equals("dropped-records-total")) {
                total += ((Number) metric.getValue().metricValue()).doubleValue();
            }
        }
        return total;
    }
}
