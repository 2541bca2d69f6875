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
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code real-time-data} → {@code device-averages}, keyed by device id (from the value, or the key for
 * a plain-text reading; re-keyed through the repartition topic {@code readings-by-device}): count,
 * average, min and max of the temperature per 5 min event-time window advancing every minute
 * (hopping), with {@code window_start}, {@code window_end}. A window accepts readings until grace after its end; a
 * later reading counts in no closed window and is counted in Streams' dropped-records metric once per closed window it
 * falls in. Emitted as the hopping aggregate behind Streams' record cache emitted them: each window that changed, once
 * per commit interval, with its value then (in the transaction that commits the change).
 *
 * <p>The windows are kept as 1 min slices ({@link SlicedWindows}): a reading updates one slice in
 * {@link AggregateStores#DEVICE_SLICES} instead of five windows, and a window's value is combined from its five slices
 * when it is emitted and when the dashboard reads it ({@link DeviceSlice#windows}); the values are those of the hopping
 * aggregate that kept five windows per reading. Besides, each device's latest reading by event time in
 * {@link AggregateStores#DEVICE_LATEST} for the dashboard. Bad readings are only dropped here: the
 * temperature-alert listener, which reads the same topic, dead-letters them.
 *
 * <p>Upgrading from the build with the hopping aggregate (store {@code device-averages-store}): the slice store and
 * its changelog start empty, so the windows open at the upgrade start over from the readings after it (their earlier
 * readings are not carried over; the first records of those windows on {@code device-averages} count only the new
 * readings, and the dashboard shows only windows with readings since). Closed windows are not rewritten. The old store
 * and its changelog topic ({@code <application id>-device-averages-store-changelog}) are no longer used and can be
 * deleted.
 */
final class DeviceAverages {

    private static final Serde<String> STRINGS = Serdes.String();

    /** A reading without its own time takes its record's (the Kafka timestamp), so the latest one shows when it was. */
    private static final FixedKeyProcessorSupplier<String, SensorReading, SensorReading> WITH_EVENT_TIME =
        () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<String, SensorReading> context;

            @Override
            public void init(FixedKeyProcessorContext<String, SensorReading> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<String, SensorReading> record) {
                SensorReading reading = record.value();
                context.forward(reading.eventTimeMs() != null ? record : record.withValue(
                    new SensorReading(reading.deviceId(), reading.temperature(), record.timestamp())));
            }
        };

    private DeviceAverages() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        build(builder, properties, inputs, Stores::persistentWindowStore);
    }

    /** Where the slices are kept: Stores' window store suppliers' signature. */
    @FunctionalInterface
    interface SliceStores {
        WindowBytesStoreSupplier supplier(String name, Duration retention, Duration windowSize, boolean duplicates);
    }

    /** As {@link #build(StreamsBuilder, AggregatesProperties, InputStreams)}, with the slices in {@code sliceStores}' store (the benchmarks keep them in memory). */
    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs,
                      SliceStores sliceStores) {
        JsonMapper jsonMapper = inputs.jsonMapper();
        Serde<SensorReading> readings = VersionedSerde.of("readings-by-device", BinarySerdes.sensorReadings());
        KStream<String, SensorReading> byDevice = inputs.decode(builder, Topics.REAL_TIME_DATA, "readings",
                (key, value, time) -> inputs.decoder().decodeSensor(
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                SensorReading::eventTimeMs, false)
            .processValues(WITH_EVENT_TIME, Named.as("readings-with-event-time"))
            .selectKey((key, reading) -> reading.deviceId(), Named.as("readings-keyed-by-device"))
            .repartition(Repartitioned.with(STRINGS, readings).withName("readings-by-device"));
        // The latest reading per device (by event time), for the dashboard's device view.
        byDevice.groupByKey(Grouped.with(STRINGS, readings))
            .reduce((held, next) -> later(next, held), Named.as("device-latest-reduce"),
                Materialized.<String, SensorReading, KeyValueStore<Bytes, byte[]>>as(AggregateStores.DEVICE_LATEST)
                    .withKeySerde(STRINGS).withValueSerde(readings));
        SlicedWindows windows = new SlicedWindows(properties.deviceWindow(), properties.deviceAdvance(),
            properties.grace());
        // Cached as the DSL's stores are: a slice written by many readings reaches RocksDB and its changelog once a commit.
        builder.addStateStore(Stores.windowStoreBuilder(
                sliceStores.supplier(AggregateStores.DEVICE_SLICES, properties.storeRetention(),
                    Duration.ofMillis(windows.sliceMs()), false),
                STRINGS, VersionedSerde.of(AggregateStores.DEVICE_SLICES, DeviceSlice.serde()))
            .withCachingEnabled());
        byDevice
            .process(() -> windows.processor(AggregateStores.DEVICE_SLICES), Named.as("device-window-aggregate"),
                AggregateStores.DEVICE_SLICES)
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

    /** {@code next} unless {@code held} is later in event time (a reading without one counts as latest). */
    private static SensorReading later(SensorReading next, SensorReading held) {
        return next.eventTimeMs() != null && held.eventTimeMs() != null && held.eventTimeMs() > next.eventTimeMs()
            ? held : next;
    }
}
