package dev.pulse.deadletters;

import dev.pulse.testkit.IsolatedTopics;
import dev.pulse.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.pulse.deadletters.ReplayTestSupport.JSON;
import static dev.pulse.deadletters.ReplayTestSupport.admin;
import static dev.pulse.deadletters.ReplayTestSupport.behind;
import static dev.pulse.deadletters.ReplayTestSupport.endOffsets;
import static dev.pulse.deadletters.ReplayTestSupport.get;
import static dev.pulse.deadletters.ReplayTestSupport.map;
import static dev.pulse.deadletters.ReplayTestSupport.number;
import static dev.pulse.deadletters.ReplayTestSupport.readAll;
import static dev.pulse.deadletters.ReplayTestSupport.repartitionTopics;
import static dev.pulse.deadletters.ReplayTestSupport.replay;
import static dev.pulse.deadletters.ReplayTestSupport.startPulse;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bad deploy of a producer, fixed, and its dead letters replayed, end to end on the real broker and Redis:
 *
 * <ol>
 *   <li>1,000 records go to five input topics (two read by Kafka Streams only, three by listeners) while Pulse runs
 *       with {@code pulse.events.max-value-bytes=300}: 900 are valid events padded above that size (one of them a
 *       900 KB value with a binary key), 100 are invalid in every other way the decoders reject (not JSON, missing and
 *       mistyped fields, not UTF-8, the wrong shape). Every one becomes a dead letter, which the API lists and
 *       Prometheus counts by reason.</li>
 *   <li>The cause is fixed: Pulse restarts with the default limit (1 MiB), same groups and state.</li>
 *   <li>The dead letters are replayed, one request per source topic: each of the 1,000 records comes back once, to
 *       its partition, with its key, value, timestamp and headers (plus {@code pulse.replay.of}), in its order; the
 *       900 that are valid now give the same outputs as the same records sent to a Pulse with the fix from the
 *       start; each of the 100 that still fail gives one new dead letter naming the one it came from.</li>
 *   <li>The same requests again replay nothing: the 1,000 are skipped, the 100 new ones are left as failing again.</li>
 * </ol>
 */
class DeadLetterReplayIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(240);
    private static final int STRICT_LIMIT = 300;
    private static final int PER_TOPIC = 200;
    private static final int PARTITIONS = 3;
    private static final List<String> SOURCES = List.of(Topics.WORD_COUNTS, Topics.USER_CLICKS, Topics.INPUT_TOPIC,
        Topics.REAL_TIME_DATA, Topics.TRANSACTIONS);
    /** Outputs compared in full (per record); the rest by their last value per key. */
    private static final List<String> PER_RECORD = List.of(Topics.OUTPUT_TOPIC, Topics.ENRICHED_CLICKS,
        Topics.TEMPERATURE_ALERTS, Topics.FRAUD_ALERTS);
    private static final List<String> LATEST_PER_KEY = List.of(Topics.WORD_TOTALS, Topics.AGGREGATED_TOPIC,
        Topics.CLICK_COUNTS);
    private static final double[] CYCLE = {40, 55, 57, 53, 44, 41}; // one excursion above 50 °C per six readings
    private static final byte[] BINARY_KEY = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, 0x00, 0x7F};

    private final long base = (System.currentTimeMillis() - 600_000) / 60_000 * 60_000;
    private final List<ApplicationContext> running = new ArrayList<>();

    /** One record as sent: where it went, and whether raising the size limit makes it valid. */
    private record Sent(String topic, int partition, long offset, byte[] key, byte[] value, long timestamp,
                        Headers headers, boolean fixable) {
    }

    @AfterEach
    void stopPulse() {
        running.forEach(ApplicationContext::close);
    }

    @Test
    void replayedDeadLettersComeBackOnceAndGiveTheOutputsOfValidRecords() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        IsolatedTopics control = new IsolatedTopics();
        IsolatedTopics replayed = new IsolatedTopics();
        String controlMarker = "mkc" + control.suffix();
        String replayMarker = "mkr" + replayed.suffix();

        // What the records give when they are valid from the start.
        ApplicationContext reference = start(control, "pulse-replay-ref-" + run, Map.of());
        send(control, controlMarker);
        awaitDrained(control, "pulse-replay-ref-" + run);
        Map<String, Object> expected = outputs(control, controlMarker);
        reference.close();
        running.remove(reference);
        assertEquals(PER_TOPIC * 9 / 10, ((List<?>) expected.get(Topics.OUTPUT_TOPIC)).size(), "a reference: one output each");
        for (String output : List.of(Topics.TEMPERATURE_ALERTS, Topics.FRAUD_ALERTS, Topics.ENRICHED_CLICKS)) {
            assertTrue(!((List<?>) expected.get(output)).isEmpty(), output);
        }
        assertTrue(((Map<?, ?>) expected.get(Topics.WORD_TOTALS)).containsKey("bigM"), "the 900 KB word counted");

        // The bad deploy: every record rejected.
        String app = "pulse-replay-" + run;
        ApplicationContext strict = start(replayed, app, Map.of("pulse.events.max-value-bytes", STRICT_LIMIT));
        List<Sent> sent = send(replayed, replayMarker);
        String queue = replayed.name(Topics.DEAD_LETTER_QUEUE);
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(queue).size() >= sent.size());
        Map<String, ConsumerRecord<byte[], byte[]>> letters = lettersByOrigin(readAll(queue));
        assertEquals(sent.size(), letters.size(), "one dead letter per record");
        for (Sent record : sent) {
            DeadLetter letter = letter(letters.get(origin(record)));
            assertEquals(record.fixable(), letter.reason() == DeadLetterReason.TOO_LARGE, letter.error());
        }
        seesTheDeadLettersThroughTheApiAndMetrics(strict, replayed);
        strict.close();
        running.remove(strict);

        // The fix: the default limit; same groups, same Streams application.
        ApplicationContext fixed = start(replayed, app, Map.of());
        for (String source : SOURCES) {
            Map<String, Object> answer = replayOk(fixed, replayed.name(source));
            assertEquals(List.of(PER_TOPIC, PER_TOPIC, 0, 0, 0), counts(answer), source);
        }

        // A replay's last commit may become visible a moment after its answer.
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1))
            .untilAsserted(() -> everyRecordCameBackOnceAsItWas(replayed, sent, letters));
        awaitDrained(replayed, app);
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertEquals(expected, outputs(replayed, replayMarker)));

        // The 100 still invalid: one new dead letter each, naming its origin; the 900 none.
        int stillBad = (int) sent.stream().filter(s -> !s.fixable()).count();
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> readAll(queue).size() >= sent.size() + stillBad);
        List<ConsumerRecord<byte[], byte[]>> all = readAll(queue);
        assertEquals(sent.size() + stillBad, all.size());
        Map<String, DeadLetter> again = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : all) {
            DeadLetter letter = letter(record);
            if (letter.replayOf() != null) {
                assertTrue(again.put(letter.replayOf(), letter) == null, "one new dead letter per origin");
            }
        }
        Map<String, Sent> byLetter = new HashMap<>();
        for (Sent record : sent) {
            ConsumerRecord<byte[], byte[]> letter = letters.get(origin(record));
            byLetter.put(DeadLetter.coordinates(queue, letter.partition(), letter.offset()), record);
        }
        assertEquals(stillBad, again.size());
        for (Map.Entry<String, DeadLetter> entry : again.entrySet()) {
            Sent record = byLetter.get(entry.getKey());
            assertNotNull(record, "names a dead letter of the first run: " + entry.getKey());
            assertTrue(!record.fixable(), "only the records that are still invalid fail again");
            assertArrayEquals(record.value(), entry.getValue().originalValueBytes());
        }

        // Asked again: nothing is replayed twice, and the records that failed again are not replayed in a loop.
        Map<TopicPartition, Long> before = new HashMap<>();
        try (Admin admin = admin()) {
            for (String source : SOURCES) {
                before.putAll(endOffsets(admin, replayed.name(source)));
            }
            for (String source : SOURCES) {
                Map<String, Object> answer = replayOk(fixed, replayed.name(source));
                assertEquals(List.of(PER_TOPIC + PER_TOPIC / 10, 0, PER_TOPIC, 0, PER_TOPIC / 10), counts(answer), source);
            }
            Map<TopicPartition, Long> after = new HashMap<>();
            for (String source : SOURCES) {
                after.putAll(endOffsets(admin, replayed.name(source)));
            }
            assertEquals(before, after, "nothing was published");
        }
    }

    private ApplicationContext start(IsolatedTopics topics, String applicationId, Map<String, Object> extra)
        throws Exception {
        ApplicationContext context = startPulse(topics, applicationId, extra);
        running.add(context);
        return context;
    }

    // --- the records ------------------------------------------------------------------------------------------

    /** The 1,000 records, with {@code marker} in every name so runs do not share state; sent and acknowledged. */
    private List<Sent> send(IsolatedTopics topics, String marker) {
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, dev.pulse.testkit.TestServers.kafkaBootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024),
            new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < PER_TOPIC; i++) {
                for (String source : SOURCES) {
                    Sent record = record(source, i, marker);
                    RecordMetadata at = producer.send(new ProducerRecord<>(topics.name(source), record.partition(),
                        record.timestamp(), record.key(), record.value(), record.headers())).get();
                    sent.add(new Sent(at.topic(), at.partition(), at.offset(), record.key(), record.value(),
                        record.timestamp(), record.headers(), record.fixable()));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return sent;
    }

    /**
     * Record {@code i} of {@code source}. Nine in ten are valid but padded above the strict limit; the rest are
     * invalid in a way no limit changes. Records of one entity (device, card, user, category) share a partition, so
     * their order holds.
     */
    private Sent record(String source, int i, String marker) {
        long eventMs = base + i * 100L;
        String seconds = java.math.BigDecimal.valueOf(eventMs, 3).toPlainString();
        String pad = "\"note\": \"" + "n".repeat(STRICT_LIMIT) + "\"";
        boolean fixable = i % 10 != 7;
        int entity;
        String key;
        String value;
        switch (source) {
            case Topics.WORD_COUNTS -> {
                entity = i % 20;
                key = i % 13 == 0 ? null : "k" + marker + "x" + i;
                value = i % 5 == 0
                    ? ("line" + marker + "x" + entity + " ").repeat(20)
                    : "{\"word\": \"W" + marker + "x" + entity + "\", " + pad + "}";
            }
            case Topics.USER_CLICKS -> {
                entity = i % 10;
                key = "u" + marker + "x" + entity;
                value = "{\"user\": \"" + key + "\", \"page\": \"" + (i % 3 == 0 ? "/home" : "/p" + i % 4)
                    + "\", \"timestamp\": " + seconds + ", " + pad + "}";
            }
            case Topics.INPUT_TOPIC -> {
                entity = i % 5;
                key = i % 17 == 0 ? null : "r" + marker + "x" + entity;
                value = "{\"id\": " + i + ", \"value\": " + i + ", \"category\": \"c" + marker + "x" + entity
                    + "\", \"timestamp\": " + seconds + ", " + pad + "}";
            }
            case Topics.REAL_TIME_DATA -> {
                entity = i % 4;
                key = "d" + marker + "x" + entity;
                value = "{\"device_id\": \"" + key + "\", \"temperature\": " + CYCLE[(i / 4) % CYCLE.length]
                    + ", \"timestamp\": " + seconds + ", " + pad + "}";
            }
            case Topics.TRANSACTIONS -> {
                entity = i % 4;
                key = "c" + marker + "x" + entity;
                value = "{\"transaction_id\": \"t" + marker + "x" + i + "\", \"card_id\": \"" + key + "\", \"amount\": "
                    + (i % 17 == 0 ? 20000 : 10 + i % 5) + ", \"currency\": \"EUR\", \"country\": \"DE\", "
                    + "\"timestamp\": " + seconds + ", " + pad + "}";
            }
            default -> throw new IllegalArgumentException(source);
        }
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        byte[] valueBytes = value.getBytes(StandardCharsets.UTF_8);
        if (source.equals(Topics.WORD_COUNTS) && i == 1) {
            keyBytes = BINARY_KEY; // a valid word, 900 KB, with a key that is not text
            valueBytes = ("{\"word\": \"big" + marker + "\", \"note\": \"" + "x".repeat(900 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        }
        if (!fixable) {
            valueBytes = invalid(source, i / 10, key);
        }
        Headers headers = new RecordHeaders();
        headers.add("trace", ("tr-" + i).getBytes(StandardCharsets.UTF_8));
        if (i % 9 == 0) {
            headers.add("bin", new byte[] {(byte) 0xFF, (byte) i});
        }
        if (i % 11 == 0) {
            headers.add("hop", "a".getBytes(StandardCharsets.UTF_8));
            headers.add("hop", "b".getBytes(StandardCharsets.UTF_8));
        }
        return new Sent(source, entity % PARTITIONS, -1, keyBytes, valueBytes, eventMs + 1, headers, fixable);
    }

    /** An invalid value of kind {@code kind} (cycling) for {@code source}: small, so its fault is its own. */
    private static byte[] invalid(String source, int kind, String key) {
        String value = switch (kind % 5) {
            case 0 -> "{\"broken\": ";
            case 1 -> switch (source) {
                case Topics.WORD_COUNTS -> "{\"note\": \"no word\"}";
                case Topics.USER_CLICKS -> "{\"page\": \"/x\"}";
                case Topics.INPUT_TOPIC -> "{\"value\": 1}";
                case Topics.REAL_TIME_DATA -> "{\"device_id\": \"" + key + "\"}";
                default -> "{\"card_id\": \"" + key + "\", \"amount\": 1}";
            };
            case 2 -> switch (source) {
                case Topics.WORD_COUNTS -> "{\"word\": 5}";
                case Topics.USER_CLICKS -> "{\"user\": true, \"page\": \"/x\"}";
                case Topics.INPUT_TOPIC -> "{\"value\": \"ten\", \"category\": \"A\"}";
                case Topics.REAL_TIME_DATA -> "{\"device_id\": \"" + key + "\", \"temperature\": \"hot\"}";
                default -> "{\"transaction_id\": \"t\", \"card_id\": \"" + key + "\", \"amount\": \"lots\"}";
            };
            case 3 -> null;
            default -> "[1, 2]";
        };
        return value == null ? new byte[] {(byte) 0xFF, (byte) 0xFE, 0x01, (byte) kind} : value.getBytes(StandardCharsets.UTF_8);
    }

    // --- what came back -------------------------------------------------------------------------------------

    private static void everyRecordCameBackOnceAsItWas(IsolatedTopics topics, List<Sent> sent,
                                                       Map<String, ConsumerRecord<byte[], byte[]>> letters) {
        String queue = topics.name(Topics.DEAD_LETTER_QUEUE);
        Map<String, Sent> byLetter = new HashMap<>();
        for (Sent record : sent) {
            ConsumerRecord<byte[], byte[]> letter = letters.get(origin(record));
            byLetter.put(DeadLetter.coordinates(queue, letter.partition(), letter.offset()), record);
        }
        Map<String, ConsumerRecord<byte[], byte[]>> back = new HashMap<>();
        for (String source : SOURCES) {
            Map<Integer, Long> lastOriginalOffset = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : readAll(topics.name(source))) {
                Header replayOf = record.headers().lastHeader(DeadLetter.HEADER_REPLAY_OF);
                if (replayOf == null) {
                    continue;
                }
                String coordinates = new String(replayOf.value(), StandardCharsets.UTF_8);
                assertTrue(back.put(coordinates, record) == null, "replayed once: " + coordinates);
                Sent original = byLetter.get(coordinates);
                assertNotNull(original, "a replay of a dead letter of this run: " + coordinates);
                assertEquals(original.partition(), record.partition(), coordinates);
                assertArrayEquals(original.key(), record.key(), coordinates);
                assertArrayEquals(original.value(), record.value(), coordinates);
                assertEquals(original.timestamp(), record.timestamp(), coordinates);
                assertEquals(headerList(original.headers()), headerList(withoutReplayOf(record.headers())), coordinates);
                Long previous = lastOriginalOffset.put(record.partition(), original.offset());
                assertTrue(previous == null || previous < original.offset(), "in source order: " + coordinates);
            }
        }
        assertEquals(sent.size(), back.size(), "every dead letter replayed");
    }

    private static Headers withoutReplayOf(Headers headers) {
        Headers copy = new RecordHeaders(headers.toArray());
        copy.remove(DeadLetter.HEADER_REPLAY_OF);
        return copy;
    }

    private static List<String> headerList(Headers headers) {
        List<String> list = new ArrayList<>();
        for (Header header : headers) {
            list.add(header.key() + "=" + Arrays.toString(header.value()));
        }
        list.sort(null); // a name's values keep their order; names may come back grouped
        return list;
    }

    // --- outputs ------------------------------------------------------------------------------------------

    /** Waits until the listeners and the Streams application have committed everything there is to read. */
    private static void awaitDrained(IsolatedTopics topics, String applicationId) {
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).ignoreException(java.util.concurrent.ExecutionException.class)
            .untilAsserted(() -> {
                try (Admin admin = admin()) {
                    List<String> streamsInputs = new ArrayList<>(List.of(topics.name(Topics.WORD_COUNTS),
                        topics.name(Topics.USER_CLICKS), topics.name(Topics.INPUT_TOPIC),
                        topics.name(Topics.REAL_TIME_DATA)));
                    streamsInputs.addAll(repartitionTopics(admin, applicationId));
                    Map<TopicPartition, String> behind = new HashMap<>(behind(admin, applicationId, streamsInputs));
                    behind.putAll(behind(admin, "it-transform-" + topics.suffix(), List.of(topics.name(Topics.INPUT_TOPIC))));
                    behind.putAll(behind(admin, "it-sensor-" + topics.suffix(), List.of(topics.name(Topics.REAL_TIME_DATA))));
                    behind.putAll(behind(admin, "it-fraud-" + topics.suffix(), List.of(topics.name(Topics.TRANSACTIONS))));
                    assertEquals(Map.of(), behind, "still to process");
                }
            });
    }

    /**
     * The compared outputs, with the run's marker taken out of names: per-record outputs as sorted lists of
     * {@code key value} (without {@code processed_at}, the wall clock), the rest as the last value per key.
     */
    private static Map<String, Object> outputs(IsolatedTopics topics, String marker) throws Exception {
        Map<String, Object> outputs = new TreeMap<>();
        for (String output : PER_RECORD) {
            List<String> records = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : readAll(topics.name(output))) {
                records.add(normal(record.key(), marker) + " " + normalValue(record.value(), marker));
            }
            records.sort(null);
            outputs.put(output, records);
        }
        for (String output : LATEST_PER_KEY) {
            Map<String, String> latest = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : readAll(topics.name(output))) {
                latest.put(normal(record.key(), marker), normal(record.value(), marker));
            }
            outputs.put(output, latest);
        }
        return outputs;
    }

    private static String normalValue(byte[] value, String marker) throws Exception {
        String text = normal(value, marker);
        if (text.startsWith("{") && text.contains("\"processed_at\"")) {
            Map<String, Object> fields = map(text);
            fields.remove("processed_at");
            return JSON.writeValueAsString(new TreeMap<>(fields));
        }
        return text;
    }

    private static String normal(byte[] bytes, String marker) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8).replace(marker, "M");
    }

    // --- the first run, seen -------------------------------------------------------------------------------

    private static void seesTheDeadLettersThroughTheApiAndMetrics(ApplicationContext pulse, IsolatedTopics topics)
        throws Exception {
        String words = topics.name(Topics.WORD_COUNTS);
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            Map<String, Object> all = map(get(pulse, "/api/dead-letters?limit=1000").body());
            assertEquals(1000, sum(counts(all, "source_topics")));
        });
        Map<String, Object> answer = map(get(pulse, "/api/dead-letters?source_topic=" + words + "&limit=1000").body());
        assertEquals(Map.of(words, PER_TOPIC), toInts(counts(answer, "source_topics")));
        Map<String, Integer> reasons = toInts(counts(answer, "reasons"));
        assertEquals(PER_TOPIC * 9 / 10, reasons.get("too_large"));
        assertEquals(PER_TOPIC, reasons.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(reasons.keySet().containsAll(List.of("invalid_json", "missing_field", "invalid_field", "not_utf8",
            "wrong_format")), reasons::toString);
        List<Map<String, Object>> items = items(answer);
        assertEquals(PER_TOPIC, items.size());
        for (int i = 1; i < items.size(); i++) {
            assertTrue(((Number) items.get(i - 1).get("timestamp")).doubleValue()
                >= ((Number) items.get(i).get("timestamp")).doubleValue(), "newest first");
        }
        assertEquals(PER_TOPIC, ((List<Map<String, Object>>) answer.get("per_minute")).stream()
            .mapToLong(p -> number(p, "count")).sum());
        assertTrue(items.stream().anyMatch(i -> ("base64:" + java.util.Base64.getEncoder().encodeToString(BINARY_KEY))
            .equals(i.get("key"))), "the binary key, shown as base64");

        Map<String, Object> tooLarge = map(get(pulse, "/api/dead-letters?error=too_large&limit=1").body());
        assertEquals(900, sum(counts(tooLarge, "source_topics")));
        assertEquals(1, items(tooLarge).size());
        assertEquals(400, get(pulse, "/api/dead-letters?error=bad_mood").statusCode());
        assertEquals(400, get(pulse, "/api/dead-letters?from=20&to=10").statusCode());

        MeterRegistry meters = pulse.getBean(MeterRegistry.class);
        for (String source : SOURCES) {
            double counted = meters.find("pulse.dead.letters").tag("source_topic", topics.name(source))
                .tag("reason", "too_large").counters().stream().mapToDouble(Counter::count).sum();
            assertEquals(PER_TOPIC * 9 / 10, (int) counted, source);
        }
    }

    // --- small helpers ---------------------------------------------------------------------------------

    private static Map<String, Object> replayOk(ApplicationContext pulse, String source) throws Exception {
        HttpResponse<String> response = replay(pulse, Map.of("source_topic", source));
        assertEquals(200, response.statusCode(), response.body());
        return map(response.body());
    }

    /** matched, replayed, skipped, failed, failing_again */
    private static List<Integer> counts(Map<String, Object> answer) {
        return List.of("matched", "replayed", "skipped", "failed", "failing_again").stream()
            .map(f -> (int) number(answer, f)).toList();
    }

    private static String origin(Sent record) {
        return record.topic() + "/" + record.partition() + "/" + record.offset();
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> lettersByOrigin(List<ConsumerRecord<byte[], byte[]>> letters) {
        Map<String, ConsumerRecord<byte[], byte[]>> byOrigin = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            DeadLetter letter = letter(record);
            assertTrue(byOrigin.put(letter.sourceTopic() + "/" + letter.partition() + "/" + letter.offset(), record) == null,
                "one dead letter per record");
        }
        return byOrigin;
    }

    private static DeadLetter letter(ConsumerRecord<byte[], byte[]> record) {
        try {
            return JSON.readValue(record.value(), DeadLetter.class);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(Map<String, Object> answer, String which) {
        return (Map<String, Object>) ((Map<String, Object>) answer.get("counts")).get(which);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Map<String, Object> answer) {
        return (List<Map<String, Object>>) answer.get("items");
    }

    private static long sum(Map<String, Object> counts) {
        return counts.values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
    }

    private static Map<String, Integer> toInts(Map<String, Object> counts) {
        return counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> ((Number) e.getValue()).intValue()));
    }
}
