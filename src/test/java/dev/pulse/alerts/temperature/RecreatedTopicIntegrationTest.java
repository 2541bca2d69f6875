package dev.pulse.alerts.temperature;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pulse.alerts.KeyedStateProcessor;
import dev.pulse.alerts.StateStore;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Progress that knows its topic, against the real broker and Redis: {@code real-time-data} deleted and created again
 * after 100 readings starts again at offset 0, below the progress the temperature listener remembers for the deleted
 * topic; the new topic's first record is processed, not taken for a redelivery.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecreatedTopicIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();
    private final String sensors = topics.name(Topics.REAL_TIME_DATA);
    private final String group = "it-sensor-" + topics.suffix();
    private ApplicationContext pulse;
    private Admin admin;

    @BeforeAll
    void start() {
        Map<String, Object> properties = new HashMap<>(RealServers.serverProperties());
        properties.putAll(topics.properties());
        properties.put("pulse.redis.prefix", "it-recreated-" + topics.suffix());
        // Quick to notice a topic deleted and created again (the default is 5 minutes).
        properties.put("kafka.consumers.default.metadata.max.age.ms", "1000");
        properties.put("kafka.streams.default.start-kafka-streams", "false");
        for (String listener : new String[] {"transform", "thresholds", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".enabled", "false");
        }
        pulse = ApplicationContext.builder().environments("test").properties(properties).start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers()));
    }

    @AfterAll
    void stop() {
        if (pulse != null) {
            pulse.close();
        }
        if (admin != null) {
            admin.close();
        }
        kafka.close();
    }

    @Test
    void aHotReadingAtOffsetZeroOfASensorTopicCreatedAgainRaisesItsAlert() throws Exception {
        Logger processorLog = (Logger) LoggerFactory.getLogger(KeyedStateProcessor.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        processorLog.addAppender(log);
        try {
            String device = "recreated-" + UUID.randomUUID();
            long eventTime = 1_700_000_000L;
            RecordMetadata last = null;
            for (int i = 0; i < 100; i++) {
                last = kafka.send(sensors, bytes(device), bytes(reading(device, 20, eventTime++)), null);
            }
            TopicPartition partition = new TopicPartition(sensors, last.partition());
            long end = last.offset() + 1;
            await().atMost(WAIT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(partition);
                return committed != null && committed.offset() == end;
            });
            String oldId = admin.describeTopics(List.of(sensors)).allTopicNames().get().get(sensors).topicId().toString();
            String progressKey = "temperature:progress:" + group + ":" + sensors + ":" + partition.partition();
            String progress = pulse.getBean(StateStore.class).getAll(List.of(progressKey)).get(progressKey);
            assertNotNull(progress, "the listener remembers how far it got");
            assertTrue(progress.contains("\"offset\":" + last.offset()), progress);

            admin.deleteTopics(List.of(sensors)).all().get();
            String newId = await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> createdAgain(oldId),
                id -> id != null);
            assertNotEquals(oldId, newId);

            RecordMetadata hot = kafka.send(sensors, bytes(device), bytes(reading(device, 60, eventTime)), null);
            assertEquals(0, hot.offset(), "the new topic's first record");
            assertEquals(partition.partition(), hot.partition());

            List<Received> alerts = kafka.readUntil(topics.name(Topics.TEMPERATURE_ALERTS),
                r -> r.stream().anyMatch(a -> device.equals(a.key())), WAIT);
            Map<?, ?> raised = alerts.stream().filter(a -> device.equals(a.key())).map(a -> map(a.value()))
                .findFirst().orElseThrow(() -> new AssertionError("no alert for the reading at offset 0"));
            assertEquals("RAISED", raised.get("state"));
            assertEquals(60.0, ((Number) raised.get("temperature")).doubleValue());
            await().atMost(WAIT).until(() -> log.list.stream().anyMatch(e -> e.getFormattedMessage()
                .contains(sensors + "-" + partition.partition() + " is a new topic (id " + newId + ")")));
        } finally {
            processorLog.detachAppender(log);
        }
    }

    /**
     * @return the topic's id once it exists again under a new id, else null (created now if it is gone; a subscribed
     *         consumer may create it first, as the broker creates topics on demand)
     */
    private String createdAgain(String oldId) throws InterruptedException {
        try {
            String id = admin.describeTopics(List.of(sensors)).allTopicNames().get().get(sensors).topicId().toString();
            return id.equals(oldId) ? null : id;
        } catch (ExecutionException gone) {
            try {
                admin.createTopics(List.of(new NewTopic(sensors, 3, (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new AssertionError("could not create " + sensors + " again", e);
                }
            }
            return null;
        }
    }

    private Map<?, ?> map(String json) {
        try {
            return pulse.getBean(JsonMapper.class).readValue(json, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static String reading(String device, double temperature, long timestamp) {
        return "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(device, temperature, timestamp);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
