package dev.pulse.deadletters;

import dev.pulse.dashboard.StateNotReadyException;
import io.micronaut.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-memory view behind {@code GET /api/dead-letters}: filters, order, counts, its bound, and its 503 and readiness
 * until the queue has been read.
 */
class DeadLetterIndexTest {

    private static final long T0 = 1_700_000_080_000L; // 40 s into the minute that starts at 1,700,000,040

    @Test
    void answersTheNewestFirstWithCountsAndPerMinuteSeries() {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 100);
        index.complete();
        index.add(0, 0, letter("word-counts", "not valid JSON: x", T0, "k1"), null);
        index.add(1, 0, letter("transactions", "field 'amount': expected a number, got string \"x\"", T0 + 10_000, null), null);
        index.add(0, 1, letter("word-counts", "value too large: 9 bytes", T0 + 30_000, "k3"), null);

        Map<String, Object> answer = index.query(DeadLetterFilter.ALL, 2, 123L);

        assertEquals(List.of("as_of", "source", "items", "counts", "per_minute"), new ArrayList<>(answer.keySet()));
        assertEquals(123L, answer.get("as_of"));
        assertEquals("state", answer.get("source"));
        List<Map<String, Object>> items = items(answer);
        assertEquals(2, items.size(), "limited");
        assertEquals(Map.of("topic", "dlq", "partition", 0, "offset", 1L), items.get(0).get("dead_letter"));
        assertEquals("too_large", items.get(0).get("reason"));
        assertEquals("k3", items.get(0).get("key"));
        assertEquals(List.of("dead_letter", "source_topic", "partition", "offset", "error", "reason", "timestamp",
            "original_timestamp", "original_size", "key"), new ArrayList<>(items.get(0).keySet()));
        assertEquals("transactions", items.get(1).get("source_topic"));
        assertEquals(Map.of("source_topics", Map.of("word-counts", 2L, "transactions", 1L),
            "reasons", Map.of("invalid_json", 1L, "invalid_field", 1L, "too_large", 1L)), answer.get("counts"));
        assertEquals(List.of(
                Map.of("minute", 1_700_000_040L, "source_topic", "transactions", "count", 1L),
                Map.of("minute", 1_700_000_040L, "source_topic", "word-counts", "count", 1L),
                Map.of("minute", 1_700_000_100L, "source_topic", "word-counts", "count", 1L)),
            answer.get("per_minute"));
    }

    @Test
    void writesEveryFieldOfAnItemEvenWhenItIsNull() throws Exception {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 10);
        index.complete();
        index.add(0, 0, DeadLetter.of(new RejectedRecord("word-counts", 0, 0, null, null, -1, null, null),
            "no value: expected a JSON object", T0, 100), null);

        String json = io.micronaut.serde.ObjectMapper.getDefault().writeValueAsString(index.query(DeadLetterFilter.ALL, 10, 0));

        assertTrue(json.contains("\"key\":null") && json.contains("\"original_timestamp\":null"), json);
    }

    @Test
    void filtersBySourceTopicReasonAndRejectionTime() {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 100);
        index.complete();
        index.add(0, 0, letter("word-counts", "not valid JSON: x", T0, null), null);
        index.add(0, 1, letter("word-counts", "field 'word': expected a non-empty string, got nothing", T0 + 1_000, null), null);
        index.add(1, 0, letter("purchases", "not valid JSON: y", T0 + 2_000, null), null);
        index.add(1, 1, letter("purchases", "not valid JSON: z", T0 + 3_500, null), null);
        long from = (T0 + 1_000) / 1000;
        long to = (T0 + 3_000) / 1000;

        assertEquals(2, items(index.query(DeadLetterFilter.of("word-counts", null, null, null), 10, 0)).size());
        assertEquals(3, items(index.query(DeadLetterFilter.of(null, "invalid_json", null, null), 10, 0)).size());
        Map<String, Object> range = index.query(DeadLetterFilter.of(null, null, from, to), 10, 0);
        assertEquals(List.of(2_000L, 1_000L), items(range).stream()
            .map(i -> ((Number) i.get("timestamp")).longValue() * 1000 - T0).toList(), "from inclusive, to exclusive");
        assertEquals(Map.of("source_topics", Map.of("word-counts", 1L, "purchases", 1L),
            "reasons", Map.of("missing_field", 1L, "invalid_json", 1L)), range.get("counts"));
        assertEquals(1, items(index.query(DeadLetterFilter.of("purchases", "invalid_json", null, to), 10, 0)).size());
    }

    @Test
    void readingAPartitionAgainChangesNothing() {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 100);
        index.complete();
        for (int pass = 0; pass < 2; pass++) {
            for (long offset = 0; offset < 5; offset++) {
                index.add(2, offset, letter("word-counts", "not valid JSON: x", T0 + offset, null), null);
            }
        }
        assertEquals(5, index.size());
    }

    @Test
    void holdsTheNewestLettersWhateverTheOrderTheyWereReadIn() {
        List<Object[]> letters = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            letters.add(new Object[] {i % 3, (long) (i / 3), letter("t-" + i % 4, "not valid JSON: " + i, T0 + i * 7L % 1000, null)});
        }
        DeadLetterIndex inOrder = new DeadLetterIndex("dlq", 50);
        inOrder.complete();
        letters.forEach(l -> inOrder.add((int) l[0], (long) l[1], (DeadLetter) l[2], null));
        DeadLetterIndex partitionsInterleavedOtherwise = new DeadLetterIndex("dlq", 50);
        partitionsInterleavedOtherwise.complete();
        Map<Integer, List<Object[]>> byPartition = new LinkedHashMap<>();
        letters.forEach(l -> byPartition.computeIfAbsent((Integer) l[0], p -> new ArrayList<>()).add(l));
        List<Integer> order = new ArrayList<>(byPartition.keySet());
        Collections.shuffle(order, new Random(7));
        for (int partition : order) {
            byPartition.get(partition).forEach(l -> partitionsInterleavedOtherwise.add((int) l[0], (long) l[1],
                (DeadLetter) l[2], null));
        }

        assertEquals(50, inOrder.size());
        assertEquals(inOrder.query(DeadLetterFilter.ALL, 1000, 0), partitionsInterleavedOtherwise.query(DeadLetterFilter.ALL, 1000, 0));
    }

    @Test
    void showsABinaryKeyAsBase64AndALegacyLettersKeyFromItsRecord() {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 10);
        index.complete();
        DeadLetter binary = DeadLetter.of(new RejectedRecord("word-counts", 0, 0, new byte[] {(byte) 0xFF}, new byte[0],
            5L, "CreateTime", null), "not valid JSON: x", T0, 100);
        DeadLetter legacy = new DeadLetter("x", "utf-8", 1, false, "not valid JSON: x", "word-counts", 0, 1, 1_700_000_000L,
            null, null, null, null, null, null, null);
        index.add(0, 0, binary, null);
        index.add(0, 1, legacy, "old-key");

        List<Map<String, Object>> items = items(index.query(DeadLetterFilter.ALL, 10, 0));
        assertEquals("base64:/w==", items.get(0).get("key"));
        assertEquals(5L, items.get(0).get("original_timestamp"));
        assertEquals("old-key", items.get(1).get("key"));
    }

    @Test
    void answersNotReadyAndIsNotReadyUntilTheQueueWasReadToItsEnd() {
        DeadLetterIndex index = new DeadLetterIndex("dlq", 10);
        index.add(0, 0, letter("word-counts", "not valid JSON: x", T0, "k1"), null);
        StateNotReadyException e = assertThrows(StateNotReadyException.class,
            () -> index.query(DeadLetterFilter.ALL, 10, 0));
        assertEquals("this instance is still reading dlq from its beginning, which the dead-letter list is made of",
            e.getMessage());
        DeadLettersReadinessIndicator readiness = new DeadLettersReadinessIndicator(index);
        assertEquals(HealthStatus.DOWN, readiness.result().getStatus());
        assertEquals(Map.of("dead_letter_queue_read", false), readiness.result().getDetails());

        index.complete();
        assertEquals(1, items(index.query(DeadLetterFilter.ALL, 10, 0)).size());
        assertEquals(HealthStatus.UP, readiness.result().getStatus());
        assertEquals(DeadLettersReadinessIndicator.NAME, readiness.result().getName());
    }

    private static DeadLetter letter(String topic, String error, long rejectedAtMs, String key) {
        return DeadLetter.of(new RejectedRecord(topic, 0, 0, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
            "v".getBytes(StandardCharsets.UTF_8), rejectedAtMs - 5, "CreateTime", null), error, rejectedAtMs,
            DeadLetter.DEFAULT_MAX_VALUE_BYTES);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(Map<String, Object> answer) {
        return (List<Map<String, Object>>) answer.get("items");
    }
}
