package dev.pulse.deadletters;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.TestServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.pulse.deadletters.ReplayTestSupport.JSON;
import static dev.pulse.deadletters.ReplayTestSupport.admin;
import static dev.pulse.deadletters.ReplayTestSupport.map;
import static dev.pulse.deadletters.ReplayTestSupport.number;
import static dev.pulse.deadletters.ReplayTestSupport.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replay of 10,000 dead letters from the command line ({@code dev.pulse.Application dead-letters replay}, in a
 * child JVM, as {@code java -jar pulse.jar} runs it) is killed with SIGKILL half-way; the same command again finishes
 * the job: every dead letter is re-published exactly once in all, in its source order, and the second run says how
 * many the first had done.
 */
class DeadLetterReplayCrashIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplayCrashIntegrationTest.class);
    private static final int LETTERS = 10_000;
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(180);

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String source = "input-topic-crash-" + suffix;
    private final String queue = "dead-letter-queue-crash-" + suffix;
    private final String log = "dead-letter-replays-crash-" + suffix;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aReplayKilledHalfWayAndRunAgainReplaysEachDeadLetterExactlyOnce() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(source, PARTITIONS, (short) 1), new NewTopic(queue, PARTITIONS, (short) 1),
                new NewTopic(log, PARTITIONS, (short) 1))).all().get();
        }
        writeDeadLetters();

        // Small transactions the first time, so that the kill lands between many of them; the defaults the second.
        Process first = replay("first", 50);
        long writtenAtKill = awaitReplayUnderWayThenKill(first);
        // A commit the killed process saw may still be writing its markers: this is a lower bound of what it committed.
        int seenAfterKill = named().size();
        LOG.info("killed the first replay at {} records of the replay log written, {} dead letters seen committed",
            writtenAtKill, seenAfterKill);

        long started = System.nanoTime();
        Process second = replay("second", 500);
        assertTrue(second.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the second replay finished");
        LOG.info("the second replay (a JVM of its own) took {} ms", (System.nanoTime() - started) / 1_000_000);
        String output = Files.readString(output("second"));
        assertEquals(0, second.exitValue(), output);
        Map<String, Object> answer = map(lastLine(output));
        long skipped = number(answer, "skipped");
        assertEquals(LETTERS, number(answer, "matched"));
        assertEquals(LETTERS, skipped + number(answer, "replayed"), "the rest replayed by the second");
        assertTrue(skipped >= seenAfterKill && skipped > 0 && skipped < LETTERS,
            "the first was killed half-way, having committed " + skipped);

        // Each dead letter once on the source topic, in its source order, and named once in the replay log. (The last
        // commit's markers may land a moment after the command ends: read until everything is visible.)
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(source).size() >= LETTERS);
        Set<String> coordinates = new HashSet<>();
        Map<Integer, Long> lastOriginal = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> replayed = readAll(source);
        for (ConsumerRecord<byte[], byte[]> record : replayed) {
            Header of = record.headers().lastHeader(DeadLetter.HEADER_REPLAY_OF);
            String at = new String(of.value(), StandardCharsets.UTF_8);
            assertTrue(coordinates.add(at), "replayed twice: " + at);
            long originalOffset = Long.parseLong(new String(record.value(), StandardCharsets.UTF_8).split("-")[1]);
            Long previous = lastOriginal.put(record.partition(), originalOffset);
            assertTrue(previous == null || previous < originalOffset, "in source order on partition " + record.partition());
        }
        assertEquals(LETTERS, replayed.size());
        assertEquals(LETTERS, coordinates.size());
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(log).size() >= LETTERS);
        assertEquals(LETTERS, readAll(log).size(), "each dead letter named once in the replay log");
        assertEquals(coordinates, named());
    }

    /**
     * 10,000 dead letters of one source topic as the listeners write them: value {@code bad-<source offset>}, a key,
     * a header and a timestamp, each in the queue partition of its source partition.
     */
    private void writeDeadLetters() throws Exception {
        DeadLetterEncoder encoder = new DeadLetterEncoder(JSON, queue, Clock.systemUTC(), DeadLetter.DEFAULT_MAX_VALUE_BYTES,
            (topic, partition) -> DeadLetter.partitionFor(topic, partition, PARTITIONS));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
            // One batch in flight per partition: the topics are brand new, the first batches meet
            // NOT_LEADER_OR_FOLLOWER, and with several in flight the idempotent producer started a partition's
            // sequence again at 0 and retried it against the broker's OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery
            // timeout (a CI run); a loaded machine's broker can also take minutes, hence the long timeouts.
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000),
            new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sends = new ArrayList<>(LETTERS);
            for (int i = 0; i < LETTERS; i++) {
                int partition = i % PARTITIONS;
                long offset = i / PARTITIONS;
                RecordHeaders headers = new RecordHeaders();
                headers.add("trace", ("t-" + i).getBytes(StandardCharsets.UTF_8));
                ConsumerRecord<byte[], byte[]> rejected = new ConsumerRecord<>(source, partition, offset,
                    1_700_000_000_000L + i, TimestampType.CREATE_TIME, 0, 0, ("k-" + i).getBytes(StandardCharsets.UTF_8),
                    ("bad-" + offset).getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
                sends.add(producer.send(encoder.record(rejected, "not valid JSON: Unrecognized token 'bad'")));
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get(); // a dead letter not written fails here, naming why
            }
        }
        assertEquals(LETTERS, readAll(queue).size());
    }

    /** {@code dead-letters replay --source-topic …} in a child JVM, its output in {@code target/}. */
    private Process replay(String name, int batch) throws IOException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            "-Dkafka.bootstrap.servers=" + TestServers.kafkaBootstrapServers(),
            "-Dpulse.topics." + Topics.DEAD_LETTER_QUEUE + "=" + queue,
            "-Dpulse.topics." + Topics.DEAD_LETTER_REPLAYS + "=" + log,
            "-Dpulse.dead-letters.replay-batch=" + batch,
            "dev.pulse.Application", "dead-letters", "replay", "--source-topic", source));
        Path output = output(name);
        Files.createDirectories(output.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(output.toFile())).start();
        children.add(process);
        return process;
    }

    private Path output(String name) {
        return Path.of("target", "replay-crash-" + suffix + "-" + name + ".log");
    }

    /** Waits until the replay log has grown past a fifth of the job (uncommitted included), then SIGKILL. */
    private long awaitReplayUnderWayThenKill(Process child) throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(log, p), OffsetSpec.latest());
            }
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
                assertTrue(child.isAlive(), "the replay ended before it could be killed:\n" + Files.readString(output("first")));
                written.set(admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum());
                return written.get() >= LETTERS / 5;
            });
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            return written.get();
        }
    }

    /** The dead letters the replay log names, read_committed. */
    private Set<String> named() {
        Set<String> named = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : readAll(log)) {
            named.add(new String(record.key(), StandardCharsets.UTF_8));
        }
        return named;
    }

    private static String lastLine(String output) {
        List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
        assertTrue(!lines.isEmpty(), output);
        return lines.get(lines.size() - 1);
    }
}
