package dev.pulse.aggregates;

import dev.pulse.events.SensorReading;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * {@code real-time-data} → {@code device-averages}, keyed by device id (from the value, or the key for
 * a plain-text reading): count, average, min and max of the temperature per 5 min event-time window advancing every
 * minute (hopping), with {@code window_start}, {@code window_end}. A window accepts readings until grace after its end; a
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
 * <p>A device's state is in the task that reads its partition of the repartition topic {@code readings-by-device}
 * (murmur2 of the UTF-8 device id, where the dashboard's routing looks for it). That task also reads the partition of
 * {@code real-time-data} with the same number: both topics are sources of one sub-topology, and Streams gives a task
 * one partition number of each. So a reading keyed by its device id on that partition (the contract's case as the
 * Java client and kafka-python produce it, since Streams creates {@code readings-by-device} with as many partitions as
 * {@code real-time-data}) is in place: it goes straight to the stores, with no repartition ({@link DevicePartitions}).
 * Any other reading (no key, another key, or its key placed elsewhere: librdkafka's CRC32 partitioner, an explicit
 * partition) goes through {@code readings-by-device} keyed by its device, so the result does not depend on the
 * producer's partitioner (contract v2), and is then merged with the readings in place. The partition count comes
 * from the cluster when the topology is built ({@link AggregatesTopology#partitionsAtStart}), so from the first
 * reading on; only where the cluster could not tell does every reading go through until one has taught it.
 * Readings of one device that take both ways may reach the stores in another order than they
 * were produced in: the windows and the latest reading are by event time, so only a reading later than grace (then
 * not counted) or two readings with the same event time (the one processed last is the latest) can tell. A reading
 * that goes through comes back a commit or more later, and in a backlog the device's readings in place after it can
 * move stream time past its window's grace meanwhile: the load driver lost one reading that way when the first
 * reading after each start still went through (a keyed producer's readings never mix the two ways now). A task
 * with two inputs waits up to {@code max.task.idle.ms} (set for the joins) for one that is empty before it processes
 * the other, so when a device task's partition of {@code readings-by-device} runs dry (at the start, and after each
 * batch of repartitioned readings), its readings in place may wait that long.
 *
 * <p>Upgrading from the build that repartitioned every reading: {@code readings-by-device} keeps its name and
 * partitioner, so readings still in it are read; the stores and their changelogs keep their names. The two
 * sub-topologies of the device windows became one and the sub-topologies after them are numbered one lower, so
 * their tasks restore their stores from their changelogs once, at the first start of the new build.
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
    static final FixedKeyProcessorSupplier<String, SensorReading, SensorReading> WITH_EVENT_TIME =
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
        DevicePartitions devicePartitions = new DevicePartitions(inputs.partitionsAtStart(Topics.REAL_TIME_DATA));
        var placed = inputs.decode(builder, Topics.REAL_TIME_DATA, "readings",
                (key, value, time) -> inputs.decoder().decodeSensor(
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                SensorReading::eventTimeMs, false)
            .processValues(WITH_EVENT_TIME, Named.as("readings-with-event-time"))
            .processValues(() -> new Placement(devicePartitions), Named.as("readings-placed"))
            .split(Named.as("readings-"))
            .branch((key, reading) -> reading.inPlace(), Branched.as("in-place"))
            .defaultBranch(Branched.as("elsewhere"));
        // Keyed by the device and on the partition readings-by-device would put it on: this task holds its state.
        KStream<String, SensorReading> inPlace = placed.get("readings-in-place")
            .mapValues(Placed::reading, Named.as("readings-in-place-unwrapped"));
        KStream<String, SensorReading> repartitioned = placed.get("readings-elsewhere")
            .mapValues(Placed::reading, Named.as("readings-elsewhere-unwrapped"))
            .selectKey((key, reading) -> reading.deviceId(), Named.as("readings-keyed-by-device"))
            .repartition(Repartitioned.with(STRINGS, readings).withName("readings-by-device")
                .withStreamPartitioner(devicePartitions));
        KStream<String, SensorReading> byDevice = inPlace.merge(repartitioned, Named.as("readings-by-device-merged"));
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

    /** A reading and whether it is in place: keyed by its device, on the partition that holds the device's state. */
    record Placed(SensorReading reading, boolean inPlace) {
    }

    /** Tells each reading whether it is in place ({@link DevicePartitions#inPlace}), from the partition it was read from. */
    private static final class Placement implements FixedKeyProcessor<String, SensorReading, Placed> {

        private final DevicePartitions devicePartitions;
        private FixedKeyProcessorContext<String, Placed> context;

        Placement(DevicePartitions devicePartitions) {
            this.devicePartitions = devicePartitions;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Placed> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, SensorReading> record) {
            int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
            context.forward(record.withValue(new Placed(record.value(),
                devicePartitions.inPlace(record.key(), record.value(), partition))));
        }
    }

    /**
     * Where {@code readings-by-device} puts a device: murmur2 of its UTF-8 id modulo the topic's partition count, as
     * Kafka Streams' default partitioner does (so the dashboard's routing, which asks Streams, finds it there too).
     * The count is {@code real-time-data}'s when the topology was built, which is the repartition topic's too, then the
     * one the producer's metadata gives for the topic each time a reading is sent through it; when neither is known yet,
     * no reading is in place. One instance per topology, shared by its tasks.
     */
    static final class DevicePartitions implements StreamPartitioner<String, SensorReading> {

        /** Partitions of {@code readings-by-device}; 0 while not known. */
        private volatile int partitions;

        DevicePartitions() {
            this(0);
        }

        /**
         * @param sourcePartitions the partition count of {@code real-time-data} when the topology was built (0: not
         *                         known), which Streams gives {@code readings-by-device} (it refuses to start with a
         *                         repartition topic of another count); what the producer gives replaces it
         */
        DevicePartitions(int sourcePartitions) {
            this.partitions = sourcePartitions;
        }

        /** The partition of {@code deviceId} among {@code partitions}. */
        static int partition(String deviceId, int partitions) {
            return Utils.toPositive(Utils.murmur2(deviceId.getBytes(StandardCharsets.UTF_8))) % partitions;
        }

        /**
         * Whether a reading read from partition {@code sourcePartition} of {@code real-time-data} with {@code key} can
         * skip the repartition: its key is its device and the partition is the one {@code readings-by-device} would
         * put it on. Its task then reads that partition of {@code readings-by-device} too (Streams gives a task one
         * partition number of every topic its sub-topology reads), so it holds the device's state.
         */
        boolean inPlace(String key, SensorReading reading, int sourcePartition) {
            int known = partitions;
            return known > 0 && sourcePartition >= 0 && reading.deviceId().equals(key)
                && partition(key, known) == sourcePartition;
        }

        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, SensorReading reading, int numPartitions) {
            partitions = numPartitions;
            return Optional.of(Set.of(partition(key, numPartitions)));
        }

        @Override
        @Deprecated
        public Integer partition(String topic, String key, SensorReading reading, int numPartitions) {
            partitions = numPartitions;
            return partition(key, numPartitions);
        }
    }

    /** {@code next} unless {@code held} is later in event time (a reading without one counts as latest). */
    static SensorReading later(SensorReading next, SensorReading held) {
        return next.eventTimeMs() != null && held.eventTimeMs() != null && held.eventTimeMs() > next.eventTimeMs()
            ? held : next;
    }
}
