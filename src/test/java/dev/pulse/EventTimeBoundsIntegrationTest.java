package dev.pulse;

import dev.pulse.aggregates.AggregatesTopology;
import dev.pulse.aggregates.EventTimeExtractor;
import dev.pulse.deadletters.DeadLetter;
import dev.pulse.events.EventTimeBounds;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event times out of bounds, as producers get them wrong (a clock ten years ahead, a time before 2000, microseconds,
 * no timestamp and a Kafka timestamp ten years ahead), on every input topic that has event time, through the whole
 * application on the real broker: each is dead-lettered once, with the reason, by the listener or by Streams; and
 * the normal events sent right after them, on the same partitions and on other topics, come out within the usual
 * latency (one absurd timestamp used to stall every aggregate for minutes).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventTimeBoundsIntegrationTest implements RealServers {

    private static final Logger LOG = LoggerFactory.getLogger(EventTimeBoundsIntegrationTest.class);
    /** Generous for the shared test machine; normal events take a second or two here. */
    private static final Duration USUAL_LATENCY = Duration.ofSeconds(20);
    private static final long TEN_YEARS_MS = 3650L * 24 * 3600 * 1000;

    @Inject
    KafkaStreams streams;

    @Inject
    @Named(AggregatesTopology.STREAM)
    ConfiguredStreamBuilder streamsBuilder;

    @Inject
    EventTimeBounds bounds;

    @Inject
    JsonMapper json;

    private final IsolatedTopics topics = new IsolatedTopics();
    private final KafkaTestClient kafka = KafkaTestClient.forTestBroker();

    @Override
    public Map<String, String> extraProperties() {
        return topics.allTopicsProperties();
    }

    @AfterAll
    void closeClient() {
        kafka.close();
    }

    @Test
    void runsTheStreamWithTheEventTimeExtractorAndTheApplicationsBounds() {
        assertEquals(EventTimeExtractor.class.getName(),
            String.valueOf(streamsBuilder.getConfiguration().get(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG)));
        assertSame(bounds, streamsBuilder.getConfiguration().get(EventTimeExtractor.BOUNDS_CONFIG));
    }

    @Test
    void deadLettersTimesOutOfBoundsOnceAndKeepsEveryPartitionAndTopicMoving() throws Exception {
        await().atMost(Duration.ofSeconds(90)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        long now = System.currentTimeMillis();
        long aheadMs = now + TEN_YEARS_MS;
        List<String> badTimes = List.of(Long.toString(aheadMs / 1000), Long.toString(aheadMs),
            "\"1999-12-31T23:59:59Z\"", "100000000000000");

        // Bad records first; the normal ones after them share their keys, so their partitions.
        Map<String, List<RecordMetadata>> bad = new TreeMap<>();
        for (String time : badTimes) {
            send(bad, Topics.USER_EVENTS, "u1", userEvent("view", time), null);
            send(bad, Topics.REAL_TIME_DATA, "d1", reading(90, time), null);
            send(bad, Topics.INPUT_TOPIC, "r1", record("C", time, 1000), null);
            send(bad, Topics.TRANSACTIONS, "card1", payment("t-bad-" + time.hashCode(), 50_000, time), null);
            send(bad, Topics.USER_CLICKS, "alice", click(time), null);
        }
        send(bad, Topics.USER_EVENTS, "u1", userEvent("view", null), aheadMs);
        send(bad, Topics.REAL_TIME_DATA, "d1", "Temperature: 90C", aheadMs);
        send(bad, Topics.INPUT_TOPIC, "r1", record("C", null, 1000), aheadMs);
        send(bad, Topics.TRANSACTIONS, "card1", payment("t-bad-record-time", 50_000, null), aheadMs);
        send(bad, Topics.WORD_COUNTS, "w", "early", 1000L);

        String seconds = Long.toString(now / 1000);
        long sentAt = System.nanoTime();
        send(null, Topics.USER_EVENTS, "u1", userEvent("after", seconds), null);
        send(null, Topics.REAL_TIME_DATA, "d1", reading(61, seconds), null);
        send(null, Topics.INPUT_TOPIC, "r1", record("C", seconds, 5), null);
        send(null, Topics.TRANSACTIONS, "card1", payment("t-good", 20_000, seconds), null);
        send(null, Topics.USER_CLICKS, "alice", click(seconds), null);
        send(null, Topics.WORD_COUNTS, "w", "afterword", null);

        long windowStartMs = now / 300_000 * 300_000;
        Map<String, Predicate<ConsumerRecord<String, String>>> expected = new LinkedHashMap<>();
        expected.put(Topics.EVENT_COUNTS, r -> ("after@" + windowStartMs).equals(r.key()) && "1".equals(r.value()));
        expected.put(Topics.TEMPERATURE_ALERTS, r -> "d1".equals(r.key()) && r.value().contains("\"RAISED\""));
        expected.put(Topics.DEVICE_AVERAGES, r -> "d1".equals(r.key()) && r.value().contains("\"max\":61"));
        expected.put(Topics.OUTPUT_TOPIC, r -> r.value().contains("\"processed_value\":10"));
        expected.put(Topics.AGGREGATED_TOPIC, r -> "C".equals(r.key()) && r.value().contains("\"count\":1,"));
        expected.put(Topics.FRAUD_ALERTS, r -> "card1".equals(r.key()) && r.value().contains("t-good"));
        expected.put(Topics.CLICK_COUNTS, r -> "alice".equals(r.key()) && "1".equals(r.value()));
        expected.put(Topics.WORD_TOTALS, r -> "afterword".equals(r.key()) && "1".equals(r.value()));
        Map<String, Long> latencyMs = firstSeen(expected, sentAt, Duration.ofSeconds(90));
        LOG.info("normal events after the bad ones, first seen after (ms): {}", latencyMs);
        assertEquals(expected.keySet(), latencyMs.keySet(), "every output");
        latencyMs.forEach((topic, ms) -> assertTrue(ms <= USUAL_LATENCY.toMillis(), topic + " after " + ms + " ms"));

        // Each bad record exactly once in the dead-letter queue: by the listener for the topics listeners read
        // (real-time-data, input-topic, transactions), by Streams for the others; none of them twice.
        int badCount = bad.values().stream().mapToInt(List::size).sum();
        List<Received> letters = kafka.readUntil(topics.name(Topics.DEAD_LETTER_QUEUE), r -> r.size() >= badCount,
            Duration.ofSeconds(60));
        Map<String, List<String>> reasonsByTopic = new TreeMap<>();
        Map<String, List<Long>> offsetsByTopic = new TreeMap<>();
        for (Received letter : letters) {
            Map<?, ?> value = json.readValue(letter.value(), Map.class);
            String topic = contractName((String) value.get("source_topic"));
            reasonsByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add((String) value.get("error"));
            offsetsByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(((Number) value.get("offset")).longValue());
            assertEquals(value.get("error"), letter.headers().get(DeadLetter.HEADER_ERROR));
        }
        Map<String, List<Long>> sentOffsets = new TreeMap<>();
        bad.forEach((topic, sent) -> sentOffsets.put(topic, sent.stream().map(RecordMetadata::offset).toList()));
        assertEquals(sentOffsets, offsetsByTopic, "each bad record once: " + reasonsByTopic);
        for (String topic : List.of(Topics.USER_EVENTS, Topics.REAL_TIME_DATA, Topics.INPUT_TOPIC, Topics.TRANSACTIONS)) {
            List<String> reasons = reasonsByTopic.get(topic);
            assertTrue(reasons.get(0).startsWith("field 'timestamp': expected a time at most 1 h ahead of the clock"), reasons.get(0));
            assertTrue(reasons.get(1).contains("(number " + aheadMs + ")"), reasons.get(1));
            assertTrue(reasons.get(2).startsWith("field 'timestamp': expected a time from 2000-01-01T00:00:00Z on"), reasons.get(2));
            assertTrue(reasons.get(3).contains("10^14 or more (microseconds?)"), reasons.get(3));
            assertTrue(reasons.get(4).startsWith("no 'timestamp' in the value, so the Kafka record timestamp is the event "
                + "time: expected a time at most 1 h ahead of the clock"), reasons.get(4));
        }
        assertTrue(reasonsByTopic.get(Topics.WORD_COUNTS).get(0).startsWith("no 'timestamp' in the value, so the Kafka "
            + "record timestamp is the event time: expected a time from 2000-01-01T00:00:00Z on"));
    }

    /** Reads every topic of {@code expected} from its start until each has a wanted record; ms after {@code sentAt}. */
    private Map<String, Long> firstSeen(Map<String, Predicate<ConsumerRecord<String, String>>> expected, long sentAt,
                                        Duration timeout) {
        Map<String, Long> seen = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : expected.keySet()) {
                consumer.partitionsFor(topics.name(topic), Duration.ofSeconds(10))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < expected.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    String topic = contractName(record.topic());
                    if (!seen.containsKey(topic) && record.value() != null && expected.get(topic).test(record)) {
                        seen.put(topic, (System.nanoTime() - sentAt) / 1_000_000);
                    }
                }
            }
        }
        return seen;
    }

    private void send(Map<String, List<RecordMetadata>> sent, String topic, String key, String value, Long timestampMs) {
        RecordMetadata metadata = kafka.send(topics.name(topic), key.getBytes(StandardCharsets.UTF_8),
            value.getBytes(StandardCharsets.UTF_8), timestampMs);
        if (sent != null) {
            sent.computeIfAbsent(topic, t -> new ArrayList<>()).add(metadata);
        }
    }

    private String contractName(String isolated) {
        return isolated.substring(0, isolated.length() - topics.suffix().length() - 1);
    }

    private static String field(String time) {
        return time == null ? "" : ", \"timestamp\": " + time;
    }

    private static String userEvent(String type, String time) {
        return "{\"user_id\": 1, \"event_type\": \"" + type + "\", \"event_data\": {\"page\": \"/p\"}" + field(time) + "}";
    }

    private static String reading(double temperature, String time) {
        return "{\"device_id\": \"d1\", \"temperature\": " + temperature + field(time) + "}";
    }

    private static String record(String category, String time, double value) {
        return "{\"id\": 1, \"value\": " + value + ", \"category\": \"" + category + "\"" + field(time) + "}";
    }

    private static String payment(String id, double amount, String time) {
        return "{\"transaction_id\": \"" + id + "\", \"card_id\": \"card1\", \"amount\": " + amount
            + ", \"country\": \"DE\"" + field(time) + "}";
    }

    private static String click(String time) {
        return "{\"user\": \"alice\", \"page\": \"/home\"" + field(time) + "}";
    }
}
