package dev.pulse.listeners;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.PulseProcess;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM under steady input, as ECS stops a task: Pulse exits well within ECS's default stop timeout (30 s), its
 * listeners finish the batch in hand and commit nothing they have not processed (each input below a committed
 * offset of the listener's group has exactly one committed output or dead letter, and no input above it has any),
 * the Streams application closes cleanly, and a restarted Pulse carries on to exactly one output per input.
 *
 * <p>Micronaut's own graceful shutdown ({@code micronaut.lifecycle.graceful-shutdown}) stays off: with
 * micronaut-kafka 5.9 the listeners' consumer threads never report done, so a stop waits out the whole grace period
 * while they go on consuming ("Timeout hit in graceful shutdown, forcing stop"; micronaut-kafka issue 1278). The
 * context's normal close already wakes each consumer and waits for its poll loop to end.
 */
class GracefulShutdownIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdownIntegrationTest.class);
    private static final JsonMapper JSON = ObjectMapper.getDefault();
    private static final int RECORDS = 3000;
    private static final int BAD_EVERY = 50;
    private static final Duration ECS_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final String LOGGING = """
        <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n%ex</pattern></encoder>
            </appender>
            <logger name="org.apache.kafka" level="WARN"/>
            <logger name="org.apache.kafka.clients.NetworkClient" level="ERROR"/>
            <logger name="org.apache.kafka.streams.KafkaStreams" level="INFO"/>
            <logger name="io.micronaut.configuration.kafka.processor.KafkaConsumerProcessor" level="DEBUG"/>
            <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """;

    private final IsolatedTopics topics = new IsolatedTopics();

    @Test
    void sigtermUnderLoadCommitsOnlyWhatWasProcessedAndARestartFinishesExactlyOnce() throws Exception {
        String input = topics.name(Topics.INPUT_TOPIC);
        Map<Integer, TopicPartition> partitionOf = new ConcurrentHashMap<>();
        Map<Integer, Long> offsetOf = new ConcurrentHashMap<>();
        Path logging = Files.createTempFile("logback-shutdown-", ".xml");
        Files.writeString(logging, LOGGING);

        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker()) {
            kafka.createTopics(topics.listenerTopics(), 3);
            AtomicInteger sent = new AtomicInteger();
            Thread producer = new Thread(() -> {
                try {
                    while (sent.get() < RECORDS) {
                        for (int n = 0; n < 10 && sent.get() < RECORDS; n++) {
                            int id = sent.get();
                            RecordMetadata at = kafka.send(input, bytes("k-" + id), bytes(value(id)), null);
                            partitionOf.put(id, new TopicPartition(at.topic(), at.partition()));
                            offsetOf.put(id, at.offset());
                            sent.incrementAndGet();
                        }
                        Thread.sleep(20); // the load's pace: 10 records, then a pause
                    }
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
            }, "shutdown-test-producer");

            long stopMillis;
            try (PulseProcess first = start("shutdown-first", logging)) {
                first.waitUntilReady(Duration.ofSeconds(180));
                producer.start();
                kafka.read(topics.name(Topics.OUTPUT_TOPIC), 300, Duration.ofSeconds(120));
                int sentAtStop = sent.get();
                long stopping = System.nanoTime();
                int status = first.sigterm(ECS_STOP_TIMEOUT);
                stopMillis = (System.nanoTime() - stopping) / 1_000_000;
                LOG.info("SIGTERM with {} of {} records sent: exited with {} after {} ms", sentAtStop, RECORDS, status,
                    stopMillis);
                assertEquals(143, status, "exited as the JVM does after SIGTERM once its shutdown hooks have run");
                assertTrue(sentAtStop < RECORDS, "stopped while records were still coming in");
                assertCleanShutdown(first.output());
            }

            // What the stopped instance committed: offsets of the transform group, and read_committed outputs.
            Map<TopicPartition, Long> committed = kafka.committed(topics.group("transform"));
            Map<Integer, Long> outputs = countPerId(kafka.readToEnd(topics.name(Topics.OUTPUT_TOPIC)), "id");
            Map<Integer, Long> letters = countPerId(kafka.readToEnd(topics.name(Topics.DEAD_LETTER_QUEUE)), null);
            List<Integer> processed = new ArrayList<>();
            for (Map.Entry<Integer, Long> entry : new TreeMap<>(offsetOf).entrySet()) {
                if (entry.getValue() < committed.getOrDefault(partitionOf.get(entry.getKey()), 0L)) {
                    processed.add(entry.getKey());
                }
            }
            LOG.info("Committed offsets at the stop: {} ({} of the inputs sent)", committed, processed.size());
            assertTrue(processed.size() >= 300, "the outputs awaited before the stop are committed");
            Map<Integer, Long> expectedOutputs = processed.stream().filter(id -> id % BAD_EVERY != 0)
                .collect(Collectors.toMap(id -> id, id -> 1L, (a, b) -> a, TreeMap::new));
            Map<Integer, Long> expectedLetters = processed.stream().filter(id -> id % BAD_EVERY == 0)
                .collect(Collectors.toMap(id -> id, id -> 1L, (a, b) -> a, TreeMap::new));
            assertEquals(expectedOutputs, new TreeMap<>(outputs),
                "exactly one output for each valid input below the committed offsets, none above");
            assertEquals(expectedLetters, new TreeMap<>(letters),
                "exactly one dead letter for each bad input below the committed offsets, none above");

            producer.join(120_000);
            assertEquals(RECORDS, sent.get());
            try (PulseProcess second = start("shutdown-second", logging)) {
                int valid = RECORDS - (RECORDS + BAD_EVERY - 1) / BAD_EVERY;
                kafka.read(topics.name(Topics.OUTPUT_TOPIC), valid, Duration.ofSeconds(180));
                // A duplicate would be committed with the offsets: once the group is at the end, it would be in.
                kafka.awaitConsumed(topics.group("transform"), input, Duration.ofSeconds(120));
                Map<Integer, Long> finalOutputs = countPerId(kafka.readToEnd(topics.name(Topics.OUTPUT_TOPIC)), "id");
                Map<Integer, Long> finalLetters = countPerId(kafka.readToEnd(topics.name(Topics.DEAD_LETTER_QUEUE)), null);
                Map<Integer, Long> allOnce = new TreeMap<>();
                Map<Integer, Long> allLettersOnce = new TreeMap<>();
                for (int id = 0; id < RECORDS; id++) {
                    (id % BAD_EVERY == 0 ? allLettersOnce : allOnce).put(id, 1L);
                }
                assertEquals(allOnce, new TreeMap<>(finalOutputs), "after the restart, every valid input once");
                assertEquals(allLettersOnce, new TreeMap<>(finalLetters), "after the restart, every bad input once");
                // ECS stops a task that is in service: a stop while Streams is still in its first rebalance (the group
                // waiting out the first instance's member) can outlast the close timeout.
                second.waitUntilReady(Duration.ofSeconds(180));
                assertEquals(143, second.sigterm(ECS_STOP_TIMEOUT));
                assertCleanShutdown(second.output());
            }
        }
    }

    /**
     * From the start of the shutdown on: no error, no batch abandoned half-way ({@code not committed}), and the
     * Streams application closed within its close timeout.
     */
    private static void assertCleanShutdown(String log) {
        int from = log.indexOf("Application shutdown initiated");
        assertTrue(from >= 0, "the shutdown ran:\n" + tail(log));
        String shutdown = log.substring(from);
        List<String> bad = shutdown.lines()
            .filter(l -> l.contains(" ERROR ") || l.contains("not committed") || l.contains("Timeout was exceeded"))
            .toList();
        assertEquals(List.of(), bad, "lines of the shutdown");
        assertTrue(shutdown.contains("State transition from PENDING_SHUTDOWN to NOT_RUNNING"),
            "the Streams application closed:\n" + tail(shutdown));
        for (String listener : new String[] {"pulse-transform", "pulse-temperature-alerts", "pulse-device-thresholds",
            "pulse-fraud-alerts"}) {
            // micronaut-kafka wakes each consumer and waits for its poll loop to end: after the batch in hand
            assertTrue(shutdown.contains("Consumer " + listener + " is closed"), listener + " closed:\n" + tail(shutdown));
        }
    }

    private PulseProcess start(String name, Path logging) throws IOException {
        return PulseProcess.named(name).testServers()
            .properties(topics.allTopicsProperties())
            .property("kafka.streams.default.application.id", "pulse-aggregates-shutdown-" + topics.suffix())
            .logging(logging)
            .start();
    }

    private static String value(int id) {
        return id % BAD_EVERY == 0
            ? "{\"id\": " + id + ", \"value\": \"not a number\", \"category\": \"A\"}"
            : "{\"id\": " + id + ", \"timestamp\": 1700000000, \"value\": " + id + ", \"category\": \"C" + (id % 5) + "\"}";
    }

    /** Records per input id: from the output's {@code id} field, or for dead letters from the record's key. */
    private static Map<Integer, Long> countPerId(List<Received> records, String idField) {
        return records.stream().collect(Collectors.groupingBy(r -> idField == null
            ? Integer.parseInt(r.key().substring(2))
            : ((Number) map(r.value()).get(idField)).intValue(), TreeMap::new, Collectors.counting()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String value) {
        try {
            return JSON.readValue(value, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
