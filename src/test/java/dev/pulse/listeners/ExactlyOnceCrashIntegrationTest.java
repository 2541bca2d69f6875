package dev.pulse.listeners;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.PulseProcess;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly once across a crash: Pulse runs in a child JVM, is killed with SIGKILL while records stream in, and is
 * started again; a {@code read_committed} reader then sees every expected output exactly once: each transform
 * output, each dead letter, and exactly one RAISED and one CLEARED per temperature excursion (also for the
 * excursions open at the moment of the kill, whose state is in Redis).
 */
class ExactlyOnceCrashIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceCrashIntegrationTest.class);
    private static final int RECORDS = 4000;
    private static final int BAD_EVERY = 97;
    private static final int DEVICES = 12;
    private static final double[] CYCLE = {40, 55, 57, 53, 44, 41}; // one excursion: RAISED at 55, CLEARED at 44
    private static final int CYCLES = 10;
    private static final JsonMapper JSON = ObjectMapper.getDefault();

    private final IsolatedTopics topics = new IsolatedTopics();
    private final List<PulseProcess> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (PulseProcess child : children) {
            child.close();
        }
    }

    @Test
    void killedMidStreamAndRestartedItWritesEveryOutputExactlyOnce() throws Exception {
        killMidStream(false);
    }

    /**
     * Two instances share the work (random instance ids); one is killed and the other takes its partitions over,
     * continuing its excursions from Redis. The killed one's open transaction is aborted by the broker after
     * {@code transaction.timeout.ms}, so read_committed readers wait for it, then see each output once.
     */
    @Test
    void whenOneOfTwoInstancesIsKilledTheOtherTakesOverExactly() throws Exception {
        killMidStream(true);
    }

    private void killMidStream(boolean twoInstances) throws Exception {
        List<String[]> stream = stream(); // {topic, key, value}
        int valid = RECORDS - (RECORDS + BAD_EVERY - 1) / BAD_EVERY;
        int bad = RECORDS - valid;

        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker()) {
            kafka.createTopics(topics.listenerTopics(), 3);
            AtomicInteger sent = new AtomicInteger();
            for (int i = 0; i < 200; i++) {
                send(kafka, stream.get(sent.getAndIncrement()));
            }
            PulseProcess first = start(twoInstances ? "killed" : "first", !twoInstances);
            if (twoInstances) {
                start("survivor", false);
            }
            // Wait for the first outputs, then stream the rest in while it runs.
            assertTrue(kafka.read(topics.name(Topics.OUTPUT_TOPIC), 1, Duration.ofSeconds(120)).size() >= 1,
                "the first instance started");
            Thread producer = new Thread(() -> {
                try {
                    while (sent.get() < stream.size()) {
                        for (int i = 0; i < 20 && sent.get() < stream.size(); i++) {
                            send(kafka, stream.get(sent.getAndIncrement()));
                        }
                        Thread.sleep(30); // the load's pace: 20 records, then a pause
                    }
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
            }, "crash-test-producer");
            producer.start();

            int before = kafka.read(topics.name(Topics.OUTPUT_TOPIC), valid / 4, Duration.ofSeconds(120)).size();
            first.sigkill(); // no shutdown hook, no flush, a transaction may be open
            assertFalse(first.isAlive());
            int sentAtKill = sent.get();
            LOG.info("Killed an instance after {} committed outputs, {} of {} records sent", before, sentAtKill,
                stream.size());
            assertTrue(sentAtKill < stream.size(), "killed while records were still streaming in");
            assertTrue(before < valid, "killed before it was done");

            producer.join(120_000);
            if (!twoInstances) {
                start("second", true);
            }

            int expectedAlerts = DEVICES * CYCLES * 2;
            kafka.read(topics.name(Topics.OUTPUT_TOPIC), valid, Duration.ofSeconds(240));
            kafka.read(topics.name(Topics.DEAD_LETTER_QUEUE), bad, Duration.ofSeconds(60));
            kafka.read(topics.name(Topics.TEMPERATURE_ALERTS), expectedAlerts, Duration.ofSeconds(60));
            // Anything more would be a duplicate: once both listeners have committed all their input, every output of
            // it is committed too, so reading to the end offsets sees all there will be.
            kafka.awaitConsumed(topics.group("transform"), topics.name(Topics.INPUT_TOPIC), Duration.ofSeconds(120));
            kafka.awaitConsumed(topics.group("sensor"), topics.name(Topics.REAL_TIME_DATA), Duration.ofSeconds(120));
            List<Received> outputs = kafka.readToEnd(topics.name(Topics.OUTPUT_TOPIC));
            List<Received> letters = kafka.readToEnd(topics.name(Topics.DEAD_LETTER_QUEUE));
            List<Received> alerts = kafka.readToEnd(topics.name(Topics.TEMPERATURE_ALERTS));

            Map<Integer, Long> outputsPerId = outputs.stream()
                .collect(Collectors.groupingBy(r -> ((Number) map(r.value()).get("id")).intValue(), TreeMap::new, Collectors.counting()));
            Set<Integer> expectedIds = new HashSet<>();
            for (int i = 0; i < RECORDS; i++) {
                if (i % BAD_EVERY != 0) {
                    expectedIds.add(i);
                }
            }
            assertEquals(expectedIds, outputsPerId.keySet(), "an output for every valid record");
            assertEquals(Map.of(), outputsPerId.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "no output twice");
            assertEquals(valid, outputs.size());

            Set<String> letterKeys = letters.stream().map(Received::key).collect(Collectors.toSet());
            assertEquals(bad, letters.size(), "each bad record once in the dead-letter queue");
            assertEquals(bad, letterKeys.size());

            Map<String, Long> alertCounts = alerts.stream().map(r -> map(r.value()))
                .collect(Collectors.groupingBy(a -> a.get("alert_id") + "/" + a.get("state"), Collectors.counting()));
            assertEquals(expectedAlerts(), alertCounts.keySet(), "one RAISED and one CLEARED per excursion");
            assertEquals(expectedAlerts, alerts.size(), "no alert twice");
        }
    }

    /** The input stream, in send order: transform records (every 97th bad) interleaved with sensor readings. */
    private List<String[]> stream() {
        List<String[]> records = new ArrayList<>();
        int readings = DEVICES * CYCLES * CYCLE.length;
        int reading = 0;
        for (int i = 0; i < RECORDS; i++) {
            String value = i % BAD_EVERY == 0
                ? "{\"id\": " + i + ", \"value\": \"not a number\", \"category\": \"A\"}"
                : "{\"id\": " + i + ", \"timestamp\": 1700000000, \"value\": " + i + ", \"category\": \"C" + (i % 5) + "\"}";
            records.add(new String[] {topics.name(Topics.INPUT_TOPIC), "k-" + i, value});
            // spread the readings evenly over the stream
            while (reading < readings && (long) reading * RECORDS <= (long) i * readings) {
                int device = reading % DEVICES;
                int step = reading / DEVICES;
                String id = "crash-" + topics.suffix() + "-" + device;
                records.add(new String[] {topics.name(Topics.REAL_TIME_DATA), id,
                    "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}".formatted(id,
                        CYCLE[step % CYCLE.length], 1_700_000_000L + step * 10L)});
                reading++;
            }
        }
        return records;
    }

    private Set<String> expectedAlerts() {
        Set<String> expected = new HashSet<>();
        for (int device = 0; device < DEVICES; device++) {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                int raisedStep = cycle * CYCLE.length + 1;
                String alertId = "temp-crash-" + topics.suffix() + "-" + device + "-" + (1_700_000_000L + raisedStep * 10L) * 1000;
                expected.add(alertId + "/RAISED");
                expected.add(alertId + "/CLEARED");
            }
        }
        return expected;
    }

    private PulseProcess start(String name, boolean fixedInstanceId) throws IOException {
        PulseProcess.Builder child = PulseProcess.named("crash-test-" + name).testServers()
            .properties(topics.properties())
            // Each child runs the aggregates stream too (PulseProcess gives it a state directory of its own), under
            // an application id of this test's.
            .property("kafka.streams.default.application.id", "pulse-aggregates-crash-" + topics.suffix())
            // The killed member holds its partitions until its session times out: keep that short here.
            .property("kafka.consumers.default.session.timeout.ms", "6000")
            .property("kafka.consumers.default.heartbeat.interval.ms", "1000");
        if (fixedInstanceId) {
            child.property("pulse.listeners.instance-id", "crash-" + topics.suffix());
        }
        PulseProcess process = child.start();
        children.add(process);
        return process;
    }

    private static void send(KafkaTestClient kafka, String[] record) {
        kafka.send(record[0], record[1].getBytes(StandardCharsets.UTF_8), record[2].getBytes(StandardCharsets.UTF_8), null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String value) {
        try {
            return JSON.readValue(value, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }
}
