package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.Stores;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code device-averages} per reading, the whole {@link DeviceAverages} topology (decode, key by device, latest
 * reading, windows, JSON out) in a {@link TopologyTestDriver}: the sliced windows (one slice updated per reading, each
 * changed window combined from slices and emitted once per commit interval) against the baseline, Kafka Streams'
 * hopping window aggregate it replaced ({@code HoppingDeviceAverages} of the tests: five windows read and written per
 * reading, every reading repartitioned). The sliced windows take readings keyed by their device in place
 * ({@code slicedWindows}; the driver has one partition, every device's) and repartition readings without a key
 * ({@code slicedWindowsRepartitioned}): the difference is what the repartition costs in CPU in the driver (the record
 * written, captured and read back in memory), not its broker round trip and transaction share. Readings of {@value
 * #DEVICES} devices in event-time order, each device every second; a commit
 * interval (1 s of wall clock) passes after every {@value #BATCH} readings.
 *
 * <p>Stores in memory and no record cache for both: the test driver commits, and so flushes the cache and RocksDB,
 * after every record, which no deployment does. So the hopping aggregate emits its five windows per reading here,
 * where production's cache sends each changed window once per commit, as the sliced windows do: this benchmark
 * counts that difference in the sliced windows' favour. The load driver's sensor scenario measures both as they run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class DeviceWindowsBenchmark {

    static final int DEVICES = 50;
    static final int BATCH = 1000;
    private static final long T0 = 1_704_067_200_000L;

    /** One topology in its driver, and the readings it is fed, in event-time order. */
    public abstract static class Topology {
        private TopologyTestDriver driver;
        private TestInputTopic<String, byte[]> input;
        private TestOutputTopic<byte[], byte[]> output;
        private final String[] keys = new String[DEVICES];
        private long next;

        abstract void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs);

        /** Whether each reading is keyed by its device (else it has no key). */
        boolean keyed() {
            return true;
        }

        @Setup(Level.Trial)
        public void start() throws IOException {
            Properties config = new Properties();
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, "device-windows-benchmark");
            config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
            config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("device-windows-benchmark").toString());
            config.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
            StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(config)));
            build(builder, AggregatesProperties.defaults(), TopologyDriver.inputStreams(new SimpleMeterRegistry()));
            driver = new TopologyTestDriver(builder.build(), config, Instant.ofEpochMilli(T0));
            input = driver.createInputTopic(Topics.REAL_TIME_DATA, new StringSerializer(), new ByteArraySerializer());
            output = driver.createOutputTopic(Topics.DEVICE_AVERAGES, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (int d = 0; d < DEVICES; d++) {
                keys[d] = "sensor_" + d;
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            driver.close();
        }

        int feed(int count) {
            for (int i = 0; i < count; i++, next++) {
                int device = (int) (next % DEVICES);
                long time = T0 + next * (1000 / DEVICES);
                double temperature = Math.round((48 + 8 * Math.sin(next * 0.3)) * 10) / 10.0;
                input.pipeInput(keyed() ? keys[device] : null, String.format(Locale.ROOT,
                    "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}", keys[device], temperature,
                    time / 1000).getBytes(StandardCharsets.UTF_8), time);
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            return output.readRecordsToList().size();
        }
    }

    /** Kafka Streams' hopping window aggregate (the implementation before the slices). */
    @State(Scope.Thread)
    public static class Hopping extends Topology {
        @Override
        void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
            HoppingDeviceAverages.build(builder, properties, inputs);
        }
    }

    /** The sliced windows. */
    @State(Scope.Thread)
    public static class Sliced extends Topology {
        @Override
        void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
            DeviceAverages.build(builder, properties, inputs, Stores::inMemoryWindowStore);
        }
    }

    /** The sliced windows on readings without a key: each goes through {@code readings-by-device}. */
    @State(Scope.Thread)
    public static class SlicedWithoutKeys extends Sliced {
        @Override
        boolean keyed() {
            return false;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void baselineHoppingWindows(Hopping topology, Blackhole bh) {
        bh.consume(topology.feed(BATCH));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void slicedWindows(Sliced topology, Blackhole bh) {
        bh.consume(topology.feed(BATCH));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void slicedWindowsRepartitioned(SlicedWithoutKeys topology, Blackhole bh) {
        bh.consume(topology.feed(BATCH));
    }
}
