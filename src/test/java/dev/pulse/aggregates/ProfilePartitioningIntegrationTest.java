package dev.pulse.aggregates;

import dev.pulse.events.UserProfile;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micronaut.configuration.kafka.streams.InteractiveQueryService;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contract v2: "results never depend on how a producer partitioned its records". Profiles are produced
 * to {@code user-profiles} (3 partitions) as kafka-python and the Java client place them (murmur2), as
 * confluent-kafka does (librdkafka's default partitioner), and to explicit partitions that murmur2 would
 * not choose; then one click per user; every {@code enriched-clicks} record must carry its user's name.
 * A profile deleted by a producer that partitions otherwise than the one that wrote it must be gone, and
 * a click sent right after its profile finds it even when the click's event time is older (the
 * tutorials' order). One case produces with the tutorials' own Python clients (confluent-kafka and kafka-python,
 * Debian's packages), not an emulation of their partitioners; it is skipped, saying why, where they are missing.
 * The same for {@code device-averages}: the readings of a device produced each of those ways (and without a key) are
 * counted in its one set of windows, and only those not keyed by their device on its murmur2 partition go through
 * {@code readings-by-device}.
 * The application runs on the real test broker with topics of its own.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProfilePartitioningIntegrationTest implements RealServers {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int PARTITIONS = 3;
    /** The time of the tutorials' sample click, 2021-01-01T00:00:00Z. */
    private static final long TUTORIAL_CLICK_TIME = 1_609_459_200L;
    /** Debian's own interpreter, the one its python3-confluent-kafka and python3-kafka are for. */
    private static final java.nio.file.Path PYTHON = java.nio.file.Path.of("/usr/bin/python3");

    private final IsolatedTopics topics = new IsolatedTopics();
    private final String profilesTopic = topics.name(Topics.USER_PROFILES);
    private final String clicksTopic = topics.name(Topics.USER_CLICKS);
    private final String enrichedTopic = topics.name(Topics.ENRICHED_CLICKS);
    private final String readingsTopic = topics.name(Topics.REAL_TIME_DATA);
    private final String averagesTopic = topics.name(Topics.DEVICE_AVERAGES);
    private final String applicationId = "pulse-aggregates-it-" + topics.suffix();
    private final JsonMapper jsonMapper = JsonMapper.createDefault();

    private KafkaProducer<byte[], byte[]> javaClient;
    private KafkaProducer<byte[], byte[]> librdkafkaPartitioning;

    @Inject
    InteractiveQueryService queries;

    @Inject
    AdminClient admin;

    @Override
    public Map<String, String> extraProperties() {
        Map<String, String> properties = new HashMap<>(topics.allTopicsProperties());
        properties.put("pulse.kafka.partitions", Integer.toString(PARTITIONS));
        properties.put("kafka.streams.default.application.id", applicationId);
        properties.put("kafka.streams.default.commit.interval.ms", "200");
        try {
            properties.put("kafka.streams.default.state.dir", Files.createTempDirectory("pulse-profiles-it").toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return properties;
    }

    @BeforeAll
    void startProducers() {
        javaClient = producer(Map.of());
        librdkafkaPartitioning = producer(Map.of(ProducerConfig.PARTITIONER_CLASS_CONFIG, LibrdkafkaPartitioner.class));
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            assertEquals(PARTITIONS, consumer.partitionsFor(profilesTopic, WAIT).size(), "the test needs 3 partitions");
        }
    }

    @AfterAll
    void closeProducers() {
        javaClient.close(Duration.ofSeconds(5));
        librdkafkaPartitioning.close(Duration.ofSeconds(5));
    }

    @Test
    void joinsEveryClickWithItsProfileWhicheverPartitionTheProfileWasProducedTo() {
        Map<String, Profile> profiles = new LinkedHashMap<>();
        // For each murmur2 partition, one user per way of producing; the last two put the profile on another one.
        for (int murmur2 = 0; murmur2 < PARTITIONS; murmur2++) {
            String asJava = user("java", murmur2, null);
            profiles.put(asJava, sendProfile(javaClient, asJava, null, murmur2));

            String asLibrdkafka = user("librdkafka", murmur2, (murmur2 + 1) % PARTITIONS);
            profiles.put(asLibrdkafka, sendProfile(librdkafkaPartitioning, asLibrdkafka, null, (murmur2 + 1) % PARTITIONS));

            String explicit = user("explicit", murmur2, null);
            int elsewhere = (murmur2 + 2) % PARTITIONS;
            profiles.put(explicit, sendProfile(javaClient, explicit, elsewhere, elsewhere));
        }
        List<String> users = List.copyOf(profiles.keySet());
        awaitProfilesInTheTable(users);

        users.forEach(user -> sendClick(user, "/home", Instant.now().getEpochSecond()));

        assertEveryEnrichedClickCarriesItsUsersName(profiles);
    }

    @Test
    void joinsAClickSentRightAfterItsProfileThoughTheClickIsOlderThanTheProfile() {
        // As the tutorials do: a profile, then at once a click of 2021. Both reach the join through repartition
        // topics, often together, and Streams takes a task's records in timestamp order.
        Map<String, Profile> profiles = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            String user = user("tutorial-" + i, i % PARTITIONS, null);
            profiles.put(user, i % 2 == 0
                ? sendProfile(javaClient, user, null, murmur2Partition(user))
                : sendProfile(librdkafkaPartitioning, user, null, crc32Partition(user)));
            sendClick(user, "/home", TUTORIAL_CLICK_TIME);
        }

        assertEveryEnrichedClickCarriesItsUsersName(profiles);
    }

    @Test
    void deletesAProfileWhenItsDeletionIsProducedWithAnotherPartitionerThanTheProfile() {
        // The profile as confluent-kafka places it, the deletion as kafka-python does: two different partitions.
        String user = user("deleted", 0, 1);
        Profile profile = sendProfile(librdkafkaPartitioning, user, null, 1);
        awaitProfilesInTheTable(List.of(user));
        sendClick(user, "/before", Instant.now().getEpochSecond());
        assertEquals(profile.name(), text(awaitEnrichedClicks(List.of(user), 1).get(user).get(0), "user_name"));

        int deletedOn = send(javaClient, profilesTopic, null, user, null);
        assertEquals(0, deletedOn, "the deletion goes to the murmur2 partition, not the profile's");
        Awaitility.await().atMost(WAIT).ignoreExceptions()
            .until(() -> profiles().get(user) == null);

        sendClick(user, "/after", Instant.now().getEpochSecond());
        JsonNode after = awaitEnrichedClicks(List.of(user), 2).get(user).get(1);
        assertEquals("/after", text(after, "page"));
        assertTrue(after.get("user_name").isNull() && after.get("user_age").isNull(), after.toString());
    }

    @Test
    void joinsProfilesAndClicksProducedByTheTutorialsOwnPythonClients() throws Exception {
        // Debian's python3 with its python3-confluent-kafka and python3-kafka (.ci/run installs them); not
        // the first python3 on the PATH, which may be another installation without them.
        String missing = pythonClientsMissing();
        System.out.println(missing == null ? "" : "Skipping the Python clients' case: " + missing);
        Assumptions.assumeTrue(missing == null, () -> "the tutorials' Python clients are not installed: " + missing);

        // confluent-kafka's default partitioner on users it places off their murmur2 partition, confluent-kafka
        // to explicit partitions murmur2 would not choose, and kafka-python, which partitions as Java does.
        List<List<Object>> confluentDefault = new ArrayList<>();
        List<List<Object>> confluentExplicit = new ArrayList<>();
        List<List<Object>> kafkaPython = new ArrayList<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (int murmur2 = 0; murmur2 < PARTITIONS; murmur2++) {
            int other = (murmur2 + 1) % PARTITIONS;
            String byDefault = user("py-confluent", murmur2, other);
            String explicit = user("py-explicit", murmur2, null);
            String python = user("py-kafka-python", murmur2, null);
            confluentDefault.add(profileRecord(byDefault, null, names));
            confluentExplicit.add(profileRecord(explicit, other, names));
            kafkaPython.add(profileRecord(python, null, names));
        }
        Map<String, Integer> landed = new HashMap<>();
        landed.putAll(python("confluent", profilesTopic, confluentDefault));
        landed.putAll(python("confluent", profilesTopic, confluentExplicit));
        landed.putAll(python("kafka-python", profilesTopic, kafkaPython));
        List<String> offMurmur2 = landed.entrySet().stream()
            .filter(e -> e.getValue() != murmur2Partition(e.getKey())).map(Map.Entry::getKey).toList();
        assertEquals(2 * PARTITIONS, offMurmur2.size(),
            "confluent-kafka put both its default-partitioned and its explicit profiles off murmur2: " + landed);

        // The clicks as the tutorials send them, right after the profiles: kafka-python, JSON values.
        long now = Instant.now().getEpochSecond();
        List<List<Object>> clicks = new ArrayList<>();
        for (String user : names.keySet()) {
            clicks.add(Arrays.asList(user, Map.of("user", user, "page", "/home", "timestamp", now), null));
        }
        python("kafka-python", clicksTopic, clicks);

        List<String> wrong = new ArrayList<>();
        awaitEnrichedClicks(List.copyOf(names.keySet()), 1).forEach((user, enriched) -> enriched.forEach(click -> {
            if (!names.get(user).equals(text(click, "user_name"))) {
                wrong.add(user + " (profile on " + landed.get(user) + "): user_name " + text(click, "user_name"));
            }
        }));
        assertEquals(List.of(), wrong, "every enriched click carries its user's name");
    }

    @Test
    void readsThePartitionCountOfTheReadingsTopicFromTheClusterAndNoneOfATopicItDoesNotHave() {
        assertEquals(Map.of(Topics.REAL_TIME_DATA, PARTITIONS),
            AggregatesTopology.partitionsAtStart(admin, Topics.REAL_TIME_DATA, readingsTopic, WAIT));
        assertEquals(Map.of(), AggregatesTopology.partitionsAtStart(admin, Topics.REAL_TIME_DATA,
            readingsTopic + "-never-created", WAIT));
    }

    @Test
    void averagesEachDeviceInOneWindowWhicheverPartitionItsReadingsWereProducedToAndRepartitionsOnlyThoseElsewhere() {
        // One device per murmur2 partition, which CRC32 places on the next one. Its readings: first as the Java client
        // places them, the first readings this instance sees (in place from the first on: the topology has the
        // partition count from the cluster); then as confluent-kafka places them, to an explicit partition murmur2
        // would not choose, and without a key.
        long now = Instant.now().getEpochSecond();
        Map<String, Integer> devices = new LinkedHashMap<>();
        for (int murmur2 = 0; murmur2 < PARTITIONS; murmur2++) {
            devices.put(user("device", murmur2, (murmur2 + 1) % PARTITIONS), murmur2);
        }
        devices.forEach((device, murmur2) ->
            assertEquals((int) murmur2, send(javaClient, readingsTopic, null, device, reading(device, 40.0, now))));
        awaitDeviceCounts(devices.keySet(), now, 1);
        devices.forEach((device, murmur2) -> {
            assertEquals((murmur2 + 1) % PARTITIONS, send(librdkafkaPartitioning, readingsTopic, null, device,
                reading(device, 10.0, now)));
            send(javaClient, readingsTopic, (murmur2 + 2) % PARTITIONS, device, reading(device, 20.0, now));
            sendWithoutKey(readingsTopic, reading(device, 30.0, now));
        });

        // Were the state of a device split between two tasks, none of its windows would count all four.
        awaitDeviceCounts(devices.keySet(), now, 4);
        Map<String, Integer> repartitioned = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : readToTheEnd(applicationId + "-readings-by-device-repartition")) {
            repartitioned.merge(new String(record.key(), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        Map<String, Integer> elsewhere = new HashMap<>();
        devices.keySet().forEach(device -> elsewhere.put(device, 3));
        assertEquals(elsewhere, repartitioned, "each device's three readings produced elsewhere, not the one in place");
    }

    /** Why Debian's python3 cannot run the tutorials' clients, or null when it can. */
    private static String pythonClientsMissing() throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            return PYTHON + " is not there";
        }
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka, kafka")
            .redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return probe.waitFor() == 0 ? null : output;
    }

    private static List<Object> profileRecord(String user, Integer partition, Map<String, String> names) {
        String name = "Name of " + user;
        names.put(user, name);
        return Arrays.asList(user, Map.of("name", name, "age", 30), partition);
    }

    /** Sends {@code records} ([key, value, partition or null]) with a tutorial client; where each key landed. */
    private Map<String, Integer> python(String client, String topic, List<List<Object>> records) throws Exception {
        java.nio.file.Path script = Files.createTempFile("tutorial_producer", ".py");
        try (var in = getClass().getResourceAsStream("tutorial_producer.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), client,
            TestServers.kafkaBootstrapServers(), topic).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(jsonMapper.writeValueAsBytes(records));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), client + " did not finish");
        assertEquals(0, process.exitValue(), client + " failed: " + output);
        Files.delete(script);
        Map<String, Integer> landed = new HashMap<>();
        jsonMapper.readValue(output, JsonNode.class).entries()
            .forEach(e -> landed.put(e.getKey(), e.getValue().getIntValue()));
        assertEquals(records.size(), landed.size(), client + " reported every record: " + output);
        return landed;
    }

    // --- producing --------------------------------------------------------------------------------

    /** A new user whose key murmur2 places on {@code murmur2} and CRC32 on {@code crc32} (null: anywhere). */
    private String user(String kind, int murmur2, Integer crc32) {
        for (int i = 0; ; i++) {
            String user = kind + "-" + i + "-" + topics.suffix();
            if (murmur2Partition(user) == murmur2 && (crc32 == null || crc32Partition(user) == crc32)) {
                return user;
            }
        }
    }

    /** A profile as sent: the name it carries and the partition it went to. */
    private record Profile(String name, int partition) {
    }

    /** Sends {@code user}'s profile, to {@code partition} or where the producer puts it, which must be {@code expected}. */
    private Profile sendProfile(KafkaProducer<byte[], byte[]> producer, String user, Integer partition, int expected) {
        String name = "Name of " + user;
        int landed = send(producer, profilesTopic, partition, user, "{\"name\": \"" + name + "\", \"age\": 30}");
        assertEquals(expected, landed, "the profile of " + user + " went where this case puts it");
        return new Profile(name, landed);
    }

    private void sendClick(String user, String page, long epochSeconds) {
        send(javaClient, clicksTopic, null, user, "{\"user\": \"" + user + "\", \"page\": \"" + page + "\", \"timestamp\": "
            + epochSeconds + "}");
    }

    /** @return the partition the record went to */
    private static int send(KafkaProducer<byte[], byte[]> producer, String topic, Integer partition, String key, String value) {
        try {
            return producer.send(new ProducerRecord<>(topic, partition, key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get().partition();
        } catch (Exception e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    private static String reading(String device, double temperature, long epochSeconds) {
        return "{\"device_id\": \"" + device + "\", \"temperature\": " + temperature + ", \"timestamp\": "
            + epochSeconds + "}";
    }

    private void sendWithoutKey(String topic, String value) {
        try {
            javaClient.send(new ProducerRecord<>(topic, null, value.getBytes(StandardCharsets.UTF_8))).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not send to " + topic, e);
        }
    }

    private static int murmur2Partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static int crc32Partition(String key) {
        return LibrdkafkaPartitioner.partition(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    /**
     * librdkafka's default partitioner, {@code consistent_random}, as confluent-kafka producers use it: a
     * keyed record goes to {@code crc32(key) % partitions} (librdkafka's {@code rd_crc32} is the IEEE
     * CRC-32 of zlib and {@link CRC32}, the modulo taken on the unsigned value), a record without a key
     * (or with an empty one) to a random partition.
     */
    public static final class LibrdkafkaPartitioner implements Partitioner {

        static int partition(byte[] key, int partitions) {
            CRC32 crc = new CRC32();
            crc.update(key);
            return (int) (crc.getValue() % partitions);
        }

        @Override
        public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
            int partitions = cluster.partitionCountForTopic(topic);
            return keyBytes == null || keyBytes.length == 0
                ? ThreadLocalRandom.current().nextInt(partitions) : partition(keyBytes, partitions);
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }

        @Override
        public void close() {
        }
    }

    // --- awaiting and checking --------------------------------------------------------------------

    /** Awaits one enriched click per user of {@code profiles}; each must carry the name of the user's profile. */
    private void assertEveryEnrichedClickCarriesItsUsersName(Map<String, Profile> profiles) {
        List<String> wrong = new ArrayList<>();
        awaitEnrichedClicks(List.copyOf(profiles.keySet()), 1).forEach((user, clicks) -> clicks.forEach(click -> {
            if (!profiles.get(user).name().equals(text(click, "user_name"))) {
                wrong.add(user + " (murmur2 partition " + murmur2Partition(user) + ", profile on "
                    + profiles.get(user).partition() + "): user_name " + text(click, "user_name"));
            }
        }));
        assertEquals(List.of(), wrong, "every enriched click carries its user's name");
    }

    /**
     * Until every user's profile is in the profile table. The store answers from every local task, so this
     * only says the profiles were read, not that a click will find them: that is what the test asserts.
     */
    private void awaitProfilesInTheTable(List<String> users) {
        Awaitility.await().atMost(WAIT).ignoreExceptions()
            .until(() -> users.stream().allMatch(user -> profiles().get(user) != null));
    }

    private ReadOnlyKeyValueStore<String, UserProfile> profiles() {
        return queries.getQueryableStore(AggregateStores.USER_PROFILES, QueryableStoreTypes.<String, UserProfile>keyValueStore())
            .orElseThrow();
    }

    /** Until each of {@code users} has at least {@code count} enriched clicks; all of theirs, in order, by user. */
    private Map<String, List<JsonNode>> awaitEnrichedClicks(List<String> users, int count) {
        Map<String, List<JsonNode>> byUser = new HashMap<>();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            byUser.clear();
            for (ConsumerRecord<byte[], byte[]> record : readToTheEnd(enrichedTopic)) {
                String user = new String(record.key(), StandardCharsets.UTF_8);
                if (users.contains(user)) {
                    byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(json(record.value()));
                }
            }
            return users.stream().allMatch(user -> byUser.getOrDefault(user, List.of()).size() >= count);
        });
        return byUser;
    }

    /**
     * Until each of {@code devices} has records on {@code device-averages} for the five windows that hold
     * {@code epochSeconds}, the highest count of each being {@code count}.
     */
    private void awaitDeviceCounts(Collection<String> devices, long epochSeconds, int count) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Long> highest = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : readToTheEnd(averagesTopic)) {
                JsonNode average = json(record.value());
                String device = text(average, "device_id");
                long start = average.get("window_start").getLongValue();
                if (devices.contains(device) && start <= epochSeconds
                    && epochSeconds < average.get("window_end").getLongValue()) {
                    highest.merge(device + "@" + start, average.get("count").getLongValue(), Math::max);
                }
            }
            assertEquals(5 * devices.size(), highest.size(), "five windows per device: " + highest);
            assertEquals(List.of((long) count), highest.values().stream().distinct().toList(), highest.toString());
        });
    }

    /** The topic from the beginning to its end offsets, as a read_committed client sees it. */
    private List<ConsumerRecord<byte[], byte[]>> readToTheEnd(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private JsonNode json(byte[] value) {
        try {
            return jsonMapper.readValue(value, JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(value, StandardCharsets.UTF_8), e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.getStringValue();
    }
}
