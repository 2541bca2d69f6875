package dev.pulse.alerts.temperature;

import dev.pulse.alerts.StateStore;
import dev.pulse.deadletters.DeadLetter;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that expires only when it should, against the real broker and Redis: a run-time threshold and an open
 * excursion outlive {@code pulse.alerts.state-ttl} (3 s here), and thresholds come back from their compacted topic
 * after Redis lost them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertStateLifetimeIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration STATE_TTL = Duration.ofSeconds(3);

    private final IsolatedTopics topics = new IsolatedTopics();
    private final String prefix = "it-lifetime-" + topics.suffix();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final String sensors = topics.name(Topics.REAL_TIME_DATA);
    private final String thresholds = topics.name(Topics.DEVICE_THRESHOLDS);
    private final String alerts = topics.name(Topics.TEMPERATURE_ALERTS);
    private ApplicationContext pulse;
    private RedisClient redisClient;
    private StatefulRedisConnection<String, String> redis;
    private long eventTime = 1_700_000_000L;

    @BeforeAll
    void start() {
        pulse = startPulse();
        redisClient = RedisClient.create(TestServers.redis().uri());
        redis = redisClient.connect();
    }

    @AfterAll
    void stop() {
        if (pulse != null) {
            pulse.close();
        }
        if (redis != null) {
            redis.close();
            redisClient.shutdown();
        }
        kafka.close();
    }

    private ApplicationContext startPulse() {
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.properties());
        properties.put("pulse.redis.prefix", prefix);
        properties.put("pulse.alerts.state-ttl", STATE_TTL.toMillis() + "ms");
        properties.put("kafka.streams.default.start-kafka-streams", "false");
        for (String listener : new String[] {"transform", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".enabled", "false");
        }
        return ApplicationContext.builder().environments("test").properties(properties).start();
    }

    @Test
    void aRunTimeThresholdStillAppliesAfterTheStateTtlHasElapsed() {
        String device = "thr-" + UUID.randomUUID();
        kafka.send(thresholds, device, "{\"threshold\": 70.0}");
        await().atMost(WAIT).ignoreExceptions().until(() -> stored(TemperatureAlertService.thresholdKey(device)) != null);
        reading(device, 75);
        reading(device, 30);
        assertEquals(List.of("RAISED", "CLEARED"), states(alertsOf(device, a -> a.size() >= 2)));

        stateTtlElapses();
        reading(device, 65); // below the device's 70: nothing
        reading(device, 75);
        List<Map<String, Object>> all = alertsOf(device, a -> a.size() >= 3);
        assertEquals(3, all.size(), all::toString);
        assertEquals("RAISED", all.get(2).get("state"));
        assertEquals(75.0, ((Number) all.get(2).get("temperature")).doubleValue(), "65 did not raise it: " + all);
        assertEquals(70.0, ((Number) all.get(2).get("threshold")).doubleValue());
    }

    @Test
    void aDeviceHotForLongerThanTheStateTtlIsRaisedOnceAndClearedOnceWithOneAlertId() {
        String device = "hot-" + UUID.randomUUID();
        reading(device, 60);
        alertsOf(device, a -> !a.isEmpty());
        assertEquals(-1, redis.sync().pttl(prefix + ":" + TemperatureAlertService.stateKey(device)),
            "an open excursion's state has no expiry");

        stateTtlElapses();
        reading(device, 61);
        reading(device, 62);
        reading(device, 30);
        // The CLEARED comes after anything the hot readings before it gave, in the same partition.
        List<Map<String, Object>> all = alertsOf(device, a -> a.stream().anyMatch(x -> "CLEARED".equals(x.get("state"))));
        assertEquals(List.of("RAISED", "CLEARED"), states(all), all::toString);
        assertEquals(all.get(0).get("alert_id"), all.get(1).get("alert_id"));
        assertFalse(redis.sync().smembers(prefix + ":" + TemperatureAlertService.OPEN_LIST).contains(device),
            "no longer listed as open");
    }

    @Test
    void thresholdsAreRebuiltFromTheirTopicAtStartAfterRedisLostThemWithoutRepeatingADeadLetter() throws Exception {
        String device = "rebuilt-" + UUID.randomUUID();
        String bad = "bad-" + UUID.randomUUID();
        kafka.send(thresholds, device, "{\"threshold\": 60.0}");
        kafka.send(thresholds, device, "{\"threshold\": 70.0}");
        RecordMetadata invalid = kafka.send(thresholds, bytes(bad), bytes("{\"threshold\": \"hot\"}"), null);
        awaitDeadLetters(invalid, 1);
        await().atMost(WAIT).ignoreExceptions().until(() -> String.valueOf(stored(TemperatureAlertService.thresholdKey(device))).contains("70"));

        pulse.close();
        // Redis comes back empty (flushed, failed over without persistence, replaced), and only after Pulse started:
        // the first batch of the topic read again fails, and the listener goes back to the committed offset.
        TestServers.redis().stop();
        try {
            pulse = startPulse();
            await().atMost(WAIT).until(() -> {
                var retries = pulse.getBean(MeterRegistry.class).find("pulse.listener.retries")
                    .tag("listener", ThresholdListener.NAME).counter();
                return retries != null && retries.count() >= 1;
            });
        } finally {
            TestServers.redis().start();
        }

        await().atMost(WAIT).ignoreExceptions().until(() -> String.valueOf(stored(TemperatureAlertService.thresholdKey(device))).contains("70"));
        reading(device, 65);
        reading(device, 75);
        Map<String, Object> raised = alertsOf(device, a -> !a.isEmpty()).get(0);
        assertEquals(75.0, ((Number) raised.get("temperature")).doubleValue());
        assertEquals(70.0, ((Number) raised.get("threshold")).doubleValue());

        // A later bad record of the same key lands behind any repeat in the dead-letter partition.
        RecordMetadata marker = kafka.send(thresholds, bytes(bad), bytes("{\"threshold\": \"marker\"}"), null);
        awaitDeadLetters(marker, 1);
        assertEquals(1, deadLettersOf(invalid).size(), "the record read again was dead-lettered when first read only");
    }

    /** Writes a key that expires after the state TTL, as the store writes expiring state, and waits until it has. */
    private void stateTtlElapses() {
        String probe = "probe:" + UUID.randomUUID();
        await().atMost(WAIT).ignoreExceptions().until(() -> pulse.getBean(StateStore.class)
            .compareAndSet(Map.of(), Map.of(probe, "x")));
        await().atMost(STATE_TTL.multipliedBy(5)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> stored(probe) == null);
    }

    private String stored(String key) {
        return pulse.getBean(StateStore.class).getAll(List.of(key)).get(key);
    }

    private void reading(String device, double temperature) {
        kafka.send(sensors, device, "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}"
            .formatted(device, temperature, eventTime++));
    }

    private List<Map<String, Object>> alertsOf(String device, Predicate<List<Map<String, Object>>> done) {
        List<Map<String, Object>> found = new ArrayList<>();
        kafka.readUntil(alerts, read -> {
            found.clear();
            read.stream().filter(r -> device.equals(r.key())).forEach(r -> found.add(map(r.value())));
            return done.test(found);
        }, WAIT);
        assertTrue(done.test(found), "alerts of " + device + ": " + found);
        return found;
    }

    private void awaitDeadLetters(RecordMetadata source, int count) {
        await().atMost(WAIT).until(() -> deadLettersOf(source).size() >= count);
    }

    /** The dead letters of one {@code device-thresholds} record, reading the queue to its (committed) end. */
    private List<ConsumerRecord<byte[], byte[]>> deadLettersOf(RecordMetadata source) {
        List<ConsumerRecord<byte[], byte[]>> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.name(Topics.DEAD_LETTER_QUEUE)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions); // read_committed: the last stable offsets
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> letter : consumer.poll(Duration.ofMillis(200))) {
                    if (header(letter, DeadLetter.HEADER_SOURCE_TOPIC).equals(thresholds)
                        && header(letter, DeadLetter.HEADER_SOURCE_PARTITION).equals(Integer.toString(source.partition()))
                        && header(letter, DeadLetter.HEADER_SOURCE_OFFSET).equals(Long.toString(source.offset()))) {
                        letters.add(letter);
                    }
                }
            }
        }
        return letters;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<Object> states(List<Map<String, Object>> alerts) {
        return alerts.stream().map(a -> a.get("state")).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(String json) {
        try {
            return pulse.getBean(JsonMapper.class).readValue(json, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
