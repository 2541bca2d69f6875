package dev.pulse.drills;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.EmbeddedKafka;
import dev.pulse.testkit.EmbeddedRedis;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.PulseProcess;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every drill runs on, all its own: a Kafka broker in a child JVM ({@link EmbeddedKafka#startChildProcess}), a
 * {@code redis-server}, Pulse in a child JVM ({@link PulseProcess}) with the contract's default topic names, the
 * drill's idempotent producer, a {@code read_committed} reader of the outputs, and the comparison with
 * {@link Expected}. Files (broker data and log, Pulse's log, Redis' data) go to {@code target/drills/<drill>/}.
 */
final class DrillStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DrillStack.class);

    final String drill;
    final Path dir;
    final EmbeddedKafka broker;
    final EmbeddedRedis redis;
    final Expected expected = new Expected();
    final Duration pulseStartup;
    final PulseProcess pulse;
    KafkaProducer<byte[], byte[]> producer;
    KafkaTestClient kafka;
    OutputTail tail;
    OutputCheck check;
    private RedisReader redisReader;

    private DrillStack(String drill, Path dir, EmbeddedKafka broker, EmbeddedRedis redis, PulseProcess pulse,
                       Duration pulseStartup) {
        this.drill = drill;
        this.dir = dir;
        this.broker = broker;
        this.redis = redis;
        this.pulse = pulse;
        this.pulseStartup = pulseStartup;
    }

    /**
     * Starts the broker, Redis (with an append-only file when {@code persistentRedis}) and Pulse, and once Pulse is
     * ready (it creates the contract's topics), the producer and the output reader.
     *
     * @param pulseProperties settings of this drill's Pulse on top of the connections
     */
    static DrillStack start(String drill, boolean persistentRedis, Map<String, String> pulseProperties) throws Exception {
        Servers servers = Servers.start(drill, persistentRedis);
        PulseProcess pulse = null;
        try {
            Map<String, String> properties = servers.pulseProperties();
            properties.put("kafka.streams.default.state.dir", servers.dir().resolve("streams-state").toString());
            properties.putAll(pulseProperties);
            // The JVM's own defaults, as in production: the drills measure how long recoveries take.
            pulse = PulseProcess.named(drill).logFile(servers.dir().resolve("pulse.log")).properties(properties)
                .heap("512m").jvmOptions(List.of()).start();
            LOG.info("{}: broker at {} (pid {}), Redis at {}, Pulse pid {} on port {}; files in {}", drill,
                servers.broker().bootstrapServers(), servers.broker().pid(), servers.redis().uri(), pulse.pid(),
                pulse.port(), servers.dir());
            Duration startup = pulse.waitUntilReady(Duration.ofMinutes(4));
            DrillStack stack = new DrillStack(drill, servers.dir(), servers.broker(), servers.redis(), pulse, startup);
            stack.producer = producer(servers.broker().bootstrapServers());
            stack.kafka = new KafkaTestClient(servers.broker().bootstrapServers());
            stack.tail = new OutputTail(servers.broker().bootstrapServers(), OutputCheck.TOPICS);
            stack.redisReader = new RedisReader(servers.redis().uri());
            stack.check = new OutputCheck(stack.tail, stack.expected, stack::redisGet);
            return stack;
        } catch (Exception | Error e) {
            if (pulse != null) {
                LOG.error("{}: Pulse's last lines:\n{}", drill, pulse.logTail(60));
                pulse.close();
            }
            servers.close();
            throw e;
        }
    }

    /**
     * The servers of one drill, its own: a broker in a child JVM and a {@code redis-server} (with an append-only file
     * when {@code persistentRedis}, as a managed Redis keeps its data), files in {@code target/drills/<drill>/}
     * (emptied first). {@link DrillStack} and {@link FleetStack} start their Pulses on these.
     */
    record Servers(Path dir, EmbeddedKafka broker, EmbeddedRedis redis) implements AutoCloseable {

        static Servers start(String drill, boolean persistentRedis) throws Exception {
            Path dir = Path.of("target", "drills", drill).toAbsolutePath();
            deleteRecursively(dir);
            Files.createDirectories(dir);
            EmbeddedKafka broker = EmbeddedKafka.startChildProcess(dir.resolve("broker"));
            try {
                return new Servers(dir, broker, persistentRedis
                    ? EmbeddedRedis.startPersistent(0, dir.resolve("redis")) : EmbeddedRedis.start(0));
            } catch (IOException e) {
                broker.close();
                // No redis-server on the PATH and the build embedded-redis ships does not run here (not Linux x86-64).
                Assumptions.abort(drill + " skipped: no redis-server could be started (" + e.getMessage() + ")");
                throw e;
            }
        }

        /** The settings every drill's Pulse starts with: these servers, no demo traffic, the drills' event times. */
        private static final String PASSED = "drill.pulse.";

        Map<String, String> pulseProperties() {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("kafka.bootstrap.servers", broker.bootstrapServers());
            properties.put("redis.uri", redis.uri());
            properties.put("pulse.demo.enabled", "false");
            // The drills' traffic runs its event time ahead of the clock (readings 10 s apart, payments minutes apart).
            properties.put("pulse.time.max-future", "3650d");
            // Its user events and clicks keep to one minute at the start of the drill's 5-minute window, so that no
            // window closes during a drill (Traffic): the wall clock must not close them either when a partition is
            // quiet between scenarios. The idle close itself is tested in QuietPartitionWindowsIntegrationTest.
            properties.put("pulse.aggregates.idle-close-after", "2h");
            // -Ddrill.pulse.<setting>=<value> passes a setting to every Pulse of the drill, for a look inside one run
            // (-Ddrill.pulse.logger.levels.org.apache.kafka.streams=INFO) or a trial of a setting.
            System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith(PASSED))
                .forEach(name -> properties.put(name.substring(PASSED.length()), System.getProperty(name)));
            return properties;
        }

        @Override
        public void close() throws Exception {
            try {
                broker.close();
            } finally {
                redis.close();
            }
        }
    }

    /** The drill's producer: idempotent, acks from all replicas, patient through a broker's restart. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.LINGER_MS_CONFIG, 5,
            ProducerConfig.BATCH_SIZE_CONFIG, 65536,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 600_000,
            ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024),
            new ByteArraySerializer(), new ByteArraySerializer());
    }

    Map<String, List<String>> awaitOutputs(Duration timeout) throws Exception {
        return awaitOutputs(check, tail, kafka, timeout);
    }

    /**
     * Waits until every output matches what was sent and returns the differences that remain (empty when all match).
     * Once they match, anything more would be a duplicate or a late surprise: it waits until every consumer group of
     * Pulse has committed the drill's input to the end (outputs commit with the offsets they came from), lets the
     * reader catch up with the outputs' end offsets, and compares again.
     */
    static Map<String, List<String>> awaitOutputs(OutputCheck check, OutputTail tail, KafkaTestClient kafka,
                                                  Duration timeout) throws Exception {
        long[] read = {recordsRead(tail)};
        long[] lastNews = {System.nanoTime()};
        try {
            // Gives up early once nothing new has arrived for a minute: what is missing then is not coming.
            Awaitility.await("every output as expected").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    long now = recordsRead(tail);
                    if (now != read[0]) {
                        read[0] = now;
                        lastNews[0] = System.nanoTime();
                    }
                    return empty(check.differences(true)) || System.nanoTime() - lastNews[0] > 60e9;
                });
        } catch (ConditionTimeoutException late) {
            // the differences say what is missing
        }
        if (empty(check.differences(true))) {
            kafka.awaitConsumedByEveryGroup(Topics.INPUTS, Duration.ofMinutes(2));
            tail.awaitEnd(Duration.ofMinutes(1));
        }
        return check.differences(true);
    }

    /**
     * The end of a drill: the load has stopped; waits until Pulse has drained it, compares every output and the
     * dashboard with what was sent, puts the figures in {@code report}, and fails on any difference.
     *
     * @param loadEnd when the load stopped ({@link System#nanoTime()})
     */
    void assertEverythingArrivedOnce(DrillReport report, Load load, long loadEnd) throws Exception {
        report.put("records sent", load.sent()).put("valid", load.goodAcked()).put("invalid", load.badAcked());
        assertEquals(List.of(), load.failures(), "the drill's own producer lost nothing");
        Map<String, List<String>> differences = awaitOutputs(Duration.ofMinutes(4));
        report.put("drained after", DrillReport.seconds(System.nanoTime() - loadEnd));
        report.put("outputs expected", expected.sizes());
        report.put("output records read", check.checked());
        report.put("differences", OutputCheck.describe(differences, 5));
        List<String> dashboard = dashboardDifferences();
        report.put("dashboard answers checked", expected.wordTotals.size() + 1);
        report.put("dashboard differences", dashboard);
        assertTrue(empty(differences), "outputs differ from the expected ones:" + OutputCheck.describe(differences, 10));
        assertEquals(List.of(), dashboard, "dashboard answers");
    }

    /** Waits until {@code topic} has more than {@code count} committed records; returns when ({@link System#nanoTime()}). */
    long awaitMore(String topic, int count, Duration timeout) {
        try {
            Awaitility.await(topic + " growing past " + count).atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100)).until(() -> tail.count(topic) > count);
        } catch (ConditionTimeoutException late) {
            throw new AssertionError(topic + " did not grow past " + count + " records within " + timeout
                + "; Pulse's last lines:\n" + pulse.logTail(40));
        }
        return System.nanoTime();
    }

    /** Waits until {@code condition} holds; returns when ({@link System#nanoTime()}). */
    static long await(String what, BooleanSupplier condition, Duration timeout) {
        try {
            Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException late) {
            throw new AssertionError(what + ": not within " + timeout);
        }
        return System.nanoTime();
    }

    private static long recordsRead(OutputTail tail) {
        return OutputCheck.TOPICS.stream().mapToLong(tail::count).sum();
    }

    /** Compares the dashboard's answers for every word and category with the expected ones. */
    List<String> dashboardDifferences() throws IOException {
        List<String> differences = new ArrayList<>();
        Map<String, Long> words;
        Map<String, Expected.Stats> categories;
        synchronized (expected) {
            words = new LinkedHashMap<>(expected.wordTotals);
            categories = new LinkedHashMap<>(expected.categories);
        }
        for (Map.Entry<String, Long> word : words.entrySet()) {
            Map<String, Object> answer = getJson("/api/words/" + URLEncoder.encode(word.getKey(), StandardCharsets.UTF_8));
            Object count = answer.get("count");
            if (!(count instanceof Number n) || n.longValue() != word.getValue()) {
                differences.add("/api/words/" + word.getKey() + ": expected " + word.getValue() + ", answered " + answer);
            }
        }
        Map<String, Map<String, Object>> items = new HashMap<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> answered = (List<Map<String, Object>>) getJson("/api/categories").get("items");
        answered.forEach(item -> items.put(String.valueOf(item.get("category")), item));
        categories.forEach((category, want) -> {
            Map<String, Object> item = items.get(category);
            if (item == null || ((Number) item.get("count")).longValue() != want.count()
                || ((Number) item.get("sum")).doubleValue() != want.sum()) {
                differences.add("/api/categories " + category + ": expected count " + want.count() + " sum "
                    + Traffic.number(want.sum()) + ", answered " + item);
            }
        });
        return differences;
    }

    /** A dashboard answer as a map; fails on any status but 200. */
    Map<String, Object> getJson(String path) throws IOException {
        HttpResponse<String> response = pulse.get(path);
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return OutputCheck.map(response.body());
    }

    /**
     * {@code /health/readiness} as status code and body, or null when Pulse does not answer within 30 s (with a
     * server away, its health check waits for its own timeouts).
     */
    HttpResponse<String> readiness() {
        try {
            return pulse.get("/health/readiness", Duration.ofSeconds(30));
        } catch (IOException down) {
            return null;
        }
    }

    /**
     * The status of the readiness component whose name contains {@code part} (e.g. {@code redis}), or
     * {@code "NO ANSWER"} when Pulse does not answer, or {@code "ABSENT"}.
     */
    String readinessOf(String part) {
        HttpResponse<String> readiness = readiness();
        if (readiness == null) {
            return "NO ANSWER";
        }
        Object details = OutputCheck.map(readiness.body()).get("details");
        if (details instanceof Map<?, ?> components) {
            for (Map.Entry<?, ?> component : components.entrySet()) {
                if (component.getKey().toString().toLowerCase(java.util.Locale.ROOT).contains(part)
                    && component.getValue() instanceof Map<?, ?> result) {
                    return String.valueOf(result.get("status"));
                }
            }
        }
        return "ABSENT";
    }

    /** The {@code source} of the dashboard's answer for a word ({@code cache} or {@code state}), or the error. */
    String wordSource(String word) {
        try {
            HttpResponse<String> answer = pulse.get("/api/words/" + word);
            return answer.statusCode() == 200 ? String.valueOf(OutputCheck.map(answer.body()).get("source"))
                : "HTTP " + answer.statusCode();
        } catch (IOException e) {
            return "no answer";
        }
    }

    /** A Redis string, or null when absent or when Redis does not answer. */
    String redisGet(String key) {
        return redisReader.get(key);
    }

    /** Restarts Pulse (the previous process must be gone) and waits until it is ready; returns the wait. */
    Duration restartPulse() throws IOException {
        pulse.restart();
        return pulse.waitUntilReady(Duration.ofMinutes(4));
    }

    static boolean empty(Map<String, List<String>> differences) {
        return differences.values().stream().allMatch(List::isEmpty);
    }

    @Override
    public void close() throws Exception {
        if (tail != null) {
            tail.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (kafka != null) {
            kafka.close();
        }
        if (redisReader != null) {
            redisReader.close();
        }
        pulse.close();
        broker.close();
        redis.close();
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Reads Redis strings for {@link OutputCheck}, connecting when first asked and again after an outage. */
    static final class RedisReader implements AutoCloseable {

        private final String uri;
        private RedisClient client;
        private StatefulRedisConnection<String, String> connection;

        RedisReader(String uri) {
            this.uri = uri;
        }

        /** A Redis string, or null when absent or when Redis does not answer. */
        synchronized String get(String key) {
            try {
                if (connection == null) {
                    client = RedisClient.create(RedisURI.create(uri));
                    client.setDefaultTimeout(Duration.ofSeconds(3));
                    connection = client.connect();
                }
                return connection.sync().get(key);
            } catch (RuntimeException down) {
                return null;
            }
        }

        @Override
        public synchronized void close() {
            if (connection != null) {
                connection.close();
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
