package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import java.nio.charset.StandardCharsets;

/**
 * The reference for {@link DeviceAverages}: {@code device-averages} as Kafka Streams' hopping window aggregate
 * computes it (each reading updates its five overlapping windows in {@link #STORE}), the production code up to the
 * sliced windows, kept here apart from its name and store name (it shares the event-time and latest-reading steps with
 * {@link DeviceAverages}) so the property test and the benchmark can hold the slices to it.
 */
final class HoppingDeviceAverages {

    /** Window (5 min hopping by 1 min): device id → {@link Stats} of temperature, the store the dashboard used to read. */
    static final String STORE = "device-averages-store";

    private static final Serde<String> STRINGS = Serdes.String();

    private HoppingDeviceAverages() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        Serde<SensorReading> readings = VersionedSerde.of("readings-by-device", BinarySerdes.sensorReadings());
        Serde<Stats> stats = VersionedSerde.of(STORE, BinarySerdes.stats());
        KGroupedStream<String, SensorReading> byDevice = inputs.decode(builder, Topics.REAL_TIME_DATA, "readings",
                (key, value, time) -> inputs.decoder().decodeSensor(
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                SensorReading::eventTimeMs, false)
            .processValues(DeviceAverages.WITH_EVENT_TIME, Named.as("readings-with-event-time"))
            .selectKey((key, reading) -> reading.deviceId(), Named.as("readings-keyed-by-device"))
            .groupByKey(Grouped.with("readings-by-device", STRINGS, readings));
        // The latest reading per device (by event time), for the dashboard's device view.
        byDevice.reduce((held, next) -> DeviceAverages.later(next, held), Named.as("device-latest-reduce"),
            Materialized.<String, SensorReading, KeyValueStore<Bytes, byte[]>>as(AggregateStores.DEVICE_LATEST)
                .withKeySerde(STRINGS).withValueSerde(readings));
        byDevice
            .windowedBy(TimeWindows.ofSizeAndGrace(properties.deviceWindow(), properties.grace())
                .advanceBy(properties.deviceAdvance()))
            .aggregate(Stats::empty, (device, reading, aggregate) -> aggregate.add(reading.temperature()),
                Named.as("device-window-aggregate"),
                Materialized.<String, Stats, WindowStore<Bytes, byte[]>>as(STORE)
                    .withKeySerde(STRINGS).withValueSerde(stats).withRetention(properties.storeRetention()))
            .toStream(Named.as("device-window-changes"))
            .map((window, s) -> KeyValue.pair(window.key(), JsonOut.object()
                .put("device_id", window.key())
                .putSeconds("window_start", window.window().start())
                .putSeconds("window_end", window.window().end())
                .put("count", s.count())
                .put("average", s.average())
                .put("min", s.min())
                .put("max", s.max())
                .bytes(jsonMapper)), Named.as("device-averages-to-json"))
            .to(inputs.topic(Topics.DEVICE_AVERAGES),
                Produced.with(STRINGS, Serdes.ByteArray()).withName("device-averages-sink"));
    }
}
