package dev.pulse.deadletters;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.testkit.Ports;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.ApplicationContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import static dev.pulse.deadletters.ReplayTestSupport.map;
import static dev.pulse.deadletters.ReplayTestSupport.startPulse;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance that starts after many dead letters were written (a new task of a fleet, or one replaced in a rolling
 * deploy) answers {@code GET /api/dead-letters} with the whole list or a 503 while it reads the queue, never with the
 * part it has read so far; and a transaction left open on the queue does not hold it back. The letters are written
 * here as Pulse writes them (in Kafka transactions, with Pulse's own encoder), and the right answer is worked out from
 * what was sent. A broker fetch quota on the readers' client id makes the new instance's read outlast its start on any
 * machine, so it is asked while it reads; the instance is asked from before its HTTP server listens.
 */
class DeadLettersTwoInstancesIntegrationTest {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLettersTwoInstancesIntegrationTest.class);
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final int PARTITIONS = 3;
    private static final int LETTERS = 30_000;
    /**
     * What the broker lets the new instance's reader fetch per second: about 1 KB per letter, so reading the queue
     * takes it some fifteen seconds, longer than its start, on a fast machine too.
     */
    private static final double READER_BYTES_PER_SECOND = 2_000_000;
    private static final int PER_TRANSACTION = 5_000;
    private static final int OPEN = 50;
    private static final int LIMIT = 1000;
    /** Recent: the queue's retention (14 days) would otherwise delete them at the broker's next retention check. */
    private static final long REJECTED_FROM = System.currentTimeMillis() - Duration.ofHours(1).toMillis();

    private final List<ApplicationContext> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        instances.forEach(ApplicationContext::close);
        throttleReaders(null);
    }

    @Test
    void anInstanceStartingAfterManyDeadLettersAnswersTheWholeListOrA503WhileItReadsTheQueue() throws Exception {
        IsolatedTopics topics = new IsolatedTopics();
        String app = "pulse-dead-letters-two-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> settings = new HashMap<>();
        settings.put("pulse.kafka.partitions", PARTITIONS);
        settings.put("pulse.dead-letters.index-size", LETTERS + OPEN);
        // The dead letters are written here: no listener need read the inputs.
        for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
            settings.put("pulse.listeners." + listener + ".enabled", "false");
        }
        instances.add(startPulse(topics, app, settings));

        String queue = topics.name(Topics.DEAD_LETTER_QUEUE);
        String source = topics.name(Topics.INPUT_TOPIC);
        // (queue partition, offset) of each committed letter, newest rejection first.
        List<List<Integer>> newestFirst = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> writer = transactionalWriter(); KafkaProducer<byte[], byte[]> open =
            transactionalWriter()) {
            writer.initTransactions();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < LETTERS; i++) {
                if (i % PER_TRANSACTION == 0) {
                    writer.beginTransaction();
                }
                sent.add(writer.send(deadLetter(queue, source, i)));
                if (i % PER_TRANSACTION == PER_TRANSACTION - 1 || i == LETTERS - 1) {
                    writer.commitTransaction();
                }
            }
            for (Future<RecordMetadata> metadata : sent) {
                newestFirst.add(0, List.of(metadata.get().partition(), (int) metadata.get().offset()));
            }
            // A writer that stops in the middle of a transaction (killed, or stuck): its letters are not in the
            // queue yet, and no reader may wait for them.
            open.initTransactions();
            open.beginTransaction();
            for (int i = LETTERS; i < LETTERS + OPEN; i++) {
                open.send(deadLetter(queue, source, i)).get();
            }

            Map<String, Object> whole = wholeList(source, newestFirst);
            int first = ReplayTestSupport.port(instances.get(0));
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> ask(first).statusCode() == 200
                && whole.equals(withoutAsOf(ask(first).body())));

            throttleReaders(READER_BYTES_PER_SECOND);
            int port = Ports.free();
            Map<String, Object> second = new HashMap<>(settings);
            second.put("micronaut.server.port", port);
            CompletableFuture<ApplicationContext> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return startPulse(topics, app, second);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int notYet = 0;
            int right = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            // Asked from before its HTTP server listens until it has been up and given the whole list a few times.
            while (right < 5 || !starting.isDone()) {
                assertTrue(System.nanoTime() < deadline, "the new instance gave the whole list within " + WAIT);
                HttpResponse<String> answer;
                try {
                    answer = ask(port);
                } catch (ConnectException notListening) {
                    continue;
                }
                if (answer.statusCode() == 503) {
                    notYet++;
                    assertEquals(Optional.of("5"), answer.headers().firstValue("Retry-After"), answer.body());
                    assertNotNull(map(answer.body()).get("error"), answer.body());
                    continue;
                }
                assertEquals(200, answer.statusCode(), answer.body());
                Map<String, Object> got = withoutAsOf(answer.body());
                assertEquals(whole.get("counts"), got.get("counts"), "the counts of every dead letter, after " + right
                    + " whole answers and " + notYet + " 503s");
                assertEquals(whole, got, "the whole list");
                right++;
            }
            instances.add(starting.get());
            throttleReaders(null);
            LOG.info("the new instance answered 503 {} times before the whole list", notYet);
            assertTrue(notYet > 0, "the new instance was asked while it read the queue");
            open.abortTransaction();
        }

        // Readiness reports the read (its other components, Streams first, may take longer to come UP).
        assertEquals("UP", component(get(port(1), "/health/readiness").body(), "pulseDeadLetters"));
        HttpResponse<String> liveness = get(port(1), "/health/liveness");
        assertFalse(liveness.body().contains("pulseDeadLetters"), "not a liveness component: " + liveness.body());
    }

    /** Sets (or with {@code null} removes) the broker's fetch quota for the dead-letter readers of every instance. */
    private static void throttleReaders(Double bytesPerSecond) throws Exception {
        try (Admin admin = ReplayTestSupport.admin()) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(
                new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, DeadLetterQueueReader.CLIENT_ID)),
                List.of(new ClientQuotaAlteration.Op("consumer_byte_rate", bytesPerSecond))))).all().get();
        }
    }

    /** What every instance must answer to {@code GET /api/dead-letters?limit=1000}, but {@code as_of}. */
    private static Map<String, Object> wholeList(String source, List<List<Integer>> newestFirst) {
        Map<String, Object> counts = new HashMap<>();
        counts.put("source_topics", Map.of(source, LETTERS));
        counts.put("reasons", Map.of(DeadLetterReason.of("not JSON").label(), LETTERS));
        Map<String, Object> whole = new HashMap<>();
        whole.put("items", newestFirst.subList(0, LIMIT));
        whole.put("counts", counts);
        return whole;
    }

    /** The answer in {@link #wholeList}'s terms: items as their queue coordinates; no per-minute series. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutAsOf(String body) throws Exception {
        Map<String, Object> answer = map(body);
        List<List<Integer>> items = new ArrayList<>();
        for (Map<String, Object> item : (List<Map<String, Object>>) answer.get("items")) {
            Map<String, Object> at = (Map<String, Object>) item.get("dead_letter");
            items.add(List.of(((Number) at.get("partition")).intValue(), ((Number) at.get("offset")).intValue()));
        }
        Map<String, Object> counts = (Map<String, Object>) answer.get("counts");
        Map<String, Object> sums = new HashMap<>();
        for (String kind : List.of("source_topics", "reasons")) {
            Map<String, Integer> byName = new HashMap<>();
            ((Map<String, Object>) counts.get(kind)).forEach((name, n) -> byName.put(name, ((Number) n).intValue()));
            sums.put(kind, byName);
        }
        Map<String, Object> comparable = new HashMap<>();
        comparable.put("items", items);
        comparable.put("counts", sums);
        return comparable;
    }

    /** Dead letter {@code i}: a record of {@code source} that is not JSON, rejected {@code i} ms after the first. */
    private static ProducerRecord<byte[], byte[]> deadLetter(String queue, String source, int i) {
        byte[] value = new byte[512];
        Arrays.fill(value, (byte) 'x');
        ConsumerRecord<byte[], byte[]> rejected = new ConsumerRecord<>(source, i % PARTITIONS, i / PARTITIONS,
            REJECTED_FROM - 60_000, TimestampType.CREATE_TIME, 0, value.length, ("key-" + i).getBytes(StandardCharsets.UTF_8),
            value, new org.apache.kafka.common.header.internals.RecordHeaders(), Optional.empty());
        long rejectedAt = REJECTED_FROM + i;
        // The encoder's letter, placed as Pulse places it (its record() would also log each one).
        DeadLetter letter = new DeadLetterEncoder(ReplayTestSupport.JSON, queue,
            Clock.fixed(Instant.ofEpochMilli(rejectedAt), ZoneOffset.UTC)).letter(rejected, "not JSON");
        try {
            return new ProducerRecord<>(queue, DeadLetter.partitionFor(source, rejected.partition(), PARTITIONS),
                rejectedAt, rejected.key(), ReplayTestSupport.JSON.writeValueAsBytes(letter), letter.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KafkaProducer<byte[], byte[]> transactionalWriter() {
        return new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "dead-letters-two-" + UUID.randomUUID(),
            // Open for the whole test: the broker would otherwise abort it after a minute.
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofMinutes(10).toMillis(),
            ProducerConfig.LINGER_MS_CONFIG, 20),
            new ByteArraySerializer(), new ByteArraySerializer());
    }

    private HttpResponse<String> ask(int port) throws Exception {
        return get(port, "/api/dead-letters?limit=" + LIMIT);
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int port(int instance) {
        return ReplayTestSupport.port(instances.get(instance));
    }

    @SuppressWarnings("unchecked")
    private static String component(String health, String name) throws Exception {
        Map<String, Object> details = (Map<String, Object>) map(health).get("details");
        return details == null || details.get(name) == null ? null
            : String.valueOf(((Map<String, Object>) details.get(name)).get("status"));
    }
}
