package dev.pulse.aggregates;

import dev.pulse.events.EventDecoder;
import dev.pulse.metrics.PulseMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.test.TestRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * A part of the production topology, built by its own {@code build(...)}, in a
 * {@link TopologyTestDriver}: inputs as raw bytes, outputs as UTF-8 text, no record cache unless a test
 * turns it on (every update reaches the output at once). Window tests start at {@link #T0}, a time aligned with every
 * window size. Also the sample values the topology tests send.
 */
final class TopologyDriver implements AutoCloseable {

    /** 2024-01-01T00:00:00Z. */
    static final long T0 = 1_704_067_200_000L;
    static final long T0S = T0 / 1000;
    static final long SECOND = 1000;
    static final long MINUTE = 60 * SECOND;

    static final JsonMapper JSON = JsonMapper.createDefault();

    /** Adds a part of the topology to {@code builder}, as the factory does. */
    @FunctionalInterface
    interface Part {
        void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs);
    }

    final TopologyTestDriver driver;
    /** Pulse's metrics of the topology ({@code PulseMetrics}). */
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
    private final Map<String, TestOutputTopic<String, byte[]>> byteOutputs = new HashMap<>();
    private final Map<String, TestOutputTopic<String, String>> outputs = new HashMap<>();

    TopologyDriver(Part part) {
        this(AggregatesProperties.defaults(), part);
    }

    TopologyDriver(AggregatesProperties properties, Part part) {
        this(properties, part, new Properties());
    }

    /** @param extraConfig Streams settings besides the driver's (a state directory, …) */
    TopologyDriver(AggregatesProperties properties, Part part, Properties extraConfig) {
        StreamsBuilder builder = new StreamsBuilder();
        part.build(builder, properties, inputStreams(meters));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "pulse-aggregates-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // Production routes these to the dead-letter topic with a producer of its own (tested on its own).
        config.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            LogAndContinueExceptionHandler.class);
        // A directory of its own: the default one is shared by every driver on the machine, and a driver
        // deletes it when it closes.
        config.put(StreamsConfig.STATE_DIR_CONFIG, tempDir().toString());
        config.putAll(extraConfig);
        driver = new TopologyTestDriver(builder.build(), config, Instant.ofEpochMilli(T0));
    }

    /** Streams settings that put the driver's state in {@code dir}. */
    static Properties stateDir(Path dir) {
        Properties config = new Properties();
        config.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        return config;
    }

    /**
     * A copy of a driver's state directory: the driver deletes its own when it closes, a stopped instance does not.
     * RocksDB may still flush or compact behind an open driver, so the copy is taken again until the directory held
     * the same files (names and sizes) before and after it, and none vanished while it was taken.
     */
    static void copyTree(Path from, Path to) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Map<String, Long> before = listing(from);
                copyOnce(from, to);
                if (before.equals(listing(from))) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException vanished) {
                if (attempt >= 20) {
                    throw vanished;
                }
            } catch (UncheckedIOException walked) {
                // Files.walk met a file that RocksDB deleted (a compaction) between listing a directory and reading it.
                if (!(walked.getCause() instanceof java.nio.file.NoSuchFileException) || attempt >= 20) {
                    throw walked;
                }
            }
            if (attempt >= 20) {
                throw new IOException("the state directory " + from + " kept changing while it was copied");
            }
        }
    }

    private static void copyOnce(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Map<String, Long> listing(Path dir) throws IOException {
        Map<String, Long> files = new java.util.TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                try {
                    files.put(dir.relativize(path).toString(), Files.size(path));
                } catch (java.nio.file.NoSuchFileException vanished) {
                    files.put(dir.relativize(path).toString(), -1L);
                }
            }
        }
        return files;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("pulse-topology-driver");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shared input step as the factory makes it, with the contract's default topic names. */
    static InputStreams inputStreams(SimpleMeterRegistry meters) {
        return new InputStreams(UnaryOperator.identity(), new EventDecoder(JSON), JSON, new PulseMetrics(meters));
    }

    void send(String topic, String key, String value, long timestampMs) {
        sendBytes(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8), timestampMs);
    }

    void sendBytes(String topic, String key, byte[] value, long timestampMs) {
        inputs.computeIfAbsent(topic, t -> driver.createInputTopic(t, new StringSerializer(), new ByteArraySerializer()))
            .pipeInput(key, value, timestampMs);
    }

    /**
     * Lets a commit interval pass on the wall clock (a minute: more than any commit interval the tests use, and the
     * driver's at-least-once default of 30 s), so processors that emit once per commit interval emit.
     */
    void commit() {
        driver.advanceWallClockTime(Duration.ofMinutes(1));
    }

    List<KeyValue<String, String>> read(String topic) {
        return output(topic).readKeyValuesToList();
    }

    List<TestRecord<String, String>> readRecords(String topic) {
        return output(topic).readRecordsToList();
    }

    /** The records of a topic whose values are not text (a versioned format); read a topic one way only. */
    List<KeyValue<String, byte[]>> readBytes(String topic) {
        return byteOutputs.computeIfAbsent(topic,
            t -> driver.createOutputTopic(t, new StringDeserializer(), new ByteArrayDeserializer())).readKeyValuesToList();
    }

    private TestOutputTopic<String, String> output(String topic) {
        return outputs.computeIfAbsent(topic,
            t -> driver.createOutputTopic(t, new StringDeserializer(), new StringDeserializer()));
    }

    @Override
    public void close() {
        driver.close();
    }

    // --- sample values and reading helpers ------------------------------------------------------

    static String record(int id, Object timestamp, double value, String category) {
        return "{\"id\": " + id + ", \"timestamp\": " + timestamp + ", \"value\": " + value + ", \"category\": \"" + category + "\"}";
    }

    static String userEvent(int user, String type, String page, String timestamp) {
        return "{\"user_id\": " + user + ", \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"" + page
            + "\", \"duration\": 45}" + (timestamp == null ? "" : ", \"timestamp\": " + timestamp) + "}";
    }

    static String click(String user, String page, String product, long timestamp) {
        return "{\"user\": \"" + user + "\", \"page\": \"" + page + "\""
            + (product == null ? "" : ", \"product\": \"" + product + "\"") + ", \"timestamp\": " + timestamp + "}";
    }

    static String purchase(String user, String product, long timestamp) {
        return "{\"user\": \"" + user + "\", \"product\": \"" + product + "\", \"amount\": 999.0, \"timestamp\": " + timestamp + "}";
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readValue(json, JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static String header(TestRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
