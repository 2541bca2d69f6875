package dev.pulse.alerts.temperature;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pulse.alerts.KeyedStateProcessor;
import dev.pulse.alerts.StateStore;
import dev.pulse.deadletters.DeadLetter;
import dev.pulse.kafka.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.support.KafkaTestClient;
import dev.pulse.support.RealServers;
import dev.pulse.support.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that expires only when it should, and progress that knows its topic, against the real broker and Redis:
 * a run-time threshold and an open excursion outlive {@code pulse.alerts.state-ttl} (3 s here), thresholds come back
 * from their compacted topic after Redis lost them, and a sensor topic deleted and created again is processed from
 * offset 0.
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
    private Admin admin;
    private RedisClient redisClient;
    private StatefulRedisConnection<String, String> redis;
    private long eventTime = 1_700_000_000L;

    @BeforeAll
    void start() {
        pulse = startPulse();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers()));
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
        if (admin != null) {
            admin.close();
        }
        kafka.close();
    }

    private ApplicationContext startPulse() {
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.properties());
        properties.put("pulse.redis.prefix", prefix);
        properties.put("pulse.alerts.state-ttl", STATE_TTL.toMillis() + "ms");
        // Quick to notice a topic deleted and created again (the default is 5 minutes).
        properties.put("kafka.consumers.default.metadata.max.age.ms", "1000");
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
        await().atMost(WAIT).until(() -> stored(TemperatureAlertService.thresholdKey(device)) != null);
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
        await().atMost(WAIT).until(() -> String.valueOf(stored(TemperatureAlertService.thresholdKey(device))).contains("70"));

        pulse.close();
        List<String> lost = new ArrayList<>();
        ScanIterator.scan(redis.sync(), ScanArgs.Builder.matches(prefix + ":*").limit(1000)).forEachRemaining(lost::add);
        redis.sync().del(lost.toArray(String[]::new)); // Redis lost everything: flushed, or a new one
        pulse = startPulse();

        await().atMost(WAIT).until(() -> String.valueOf(stored(TemperatureAlertService.thresholdKey(device))).contains("70"));
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

    @Test
    void aSensorTopicDeletedAndCreatedAgainIsProcessedFromOffsetZero() throws Exception {
        Logger processorLog = (Logger) LoggerFactory.getLogger(KeyedStateProcessor.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        processorLog.addAppender(log);
        try {
            String device = "recreated-" + UUID.randomUUID();
            RecordMetadata last = null;
            for (int i = 0; i < 100; i++) {
                last = kafka.send(sensors, bytes(device), bytes(("{\"device_id\": \"%s\", \"temperature\": 20, "
                    + "\"timestamp\": %d}").formatted(device, eventTime++)), null);
            }
            TopicPartition partition = new TopicPartition(sensors, last.partition());
            String group = "it-sensor-" + topics.suffix();
            long end = last.offset() + 1;
            await().atMost(WAIT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(partition);
                return committed != null && committed.offset() == end;
            });
            String oldId = admin.describeTopics(List.of(sensors)).allTopicNames().get().get(sensors).topicId().toString();

            admin.deleteTopics(List.of(sensors)).all().get();
            await().atMost(WAIT).until(() -> !admin.listTopics().names().get().contains(sensors));
            try {
                admin.createTopics(List.of(new NewTopic(sensors, 3, (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) { // a subscribed consumer may create it first
                    throw e;
                }
            }
            String newId = await().atMost(WAIT).ignoreExceptions().until(
                () -> admin.describeTopics(List.of(sensors)).allTopicNames().get().get(sensors).topicId().toString(),
                id -> id != null);
            assertNotEquals(oldId, newId);

            RecordMetadata hot = kafka.send(sensors, bytes(device),
                bytes("{\"device_id\": \"%s\", \"temperature\": 60, \"timestamp\": %d}".formatted(device, eventTime++)),
                null);
            assertEquals(0, hot.offset(), "the new topic's first record");
            assertEquals(partition.partition(), hot.partition());

            Map<String, Object> raised = alertsOf(device, a -> !a.isEmpty()).get(0);
            assertEquals("RAISED", raised.get("state"));
            assertEquals(60.0, ((Number) raised.get("temperature")).doubleValue());
            await().atMost(WAIT).until(() -> log.list.stream().anyMatch(e -> e.getFormattedMessage()
                .contains(sensors + "-" + partition.partition() + " is a new topic (id " + newId + ")")));
        } finally {
            processorLog.detachAppender(log);
        }
    }

    /** Writes a key that expires after the state TTL, as the store writes expiring state, and waits until it has. */
    private void stateTtlElapses() {
        String probe = "probe:" + UUID.randomUUID();
        pulse.getBean(StateStore.class).compareAndSet(Map.of(), Map.of(probe, "x"));
        await().atMost(STATE_TTL.multipliedBy(5)).pollInterval(Duration.ofMillis(200))
            .until(() -> stored(probe) == null);
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
