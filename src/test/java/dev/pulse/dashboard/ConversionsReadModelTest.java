package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregatesProperties;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConversionsReadModel}: the changelog of {@code recent-conversions-store}, record by record, as the answer,
 * without Kafka. The records are written here in the store's documented layout ({@code LatestRecords}: a key is
 * {@code 0x01}, the group's length and bytes, then the timestamp and the sequence each as
 * {@code ~(n ^ Long.MIN_VALUE)}; a value is {@code 0xFF}, the format version 1, then the match's bytes); that they are
 * the ones the topology writes is {@code LatestRecordsTest}'s.
 */
class ConversionsReadModelTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    @Test
    void answersTheNewestOfEveryPartitionByTimestampThenPartitionThenSequenceOnceCurrent() throws Exception {
        ConversionsReadModel model = new ConversionsReadModel(JSON, AggregatesProperties.defaults());
        model.apply(key(0, 5_000, 0), value("a"));
        model.apply(key(1, 5_000, 0), value("b"));
        model.apply(key(0, 5_000, 1), value("c"));
        model.apply(key(2, 9_000, 0), value("d"));
        model.apply(key(2, 1_000, 1), value("e"));
        model.publish();
        assertFalse(model.answers(), "not before the reader reached the changelog's end");

        model.current(1_700_000_000_000L);
        assertTrue(model.answers());
        Map<?, ?> answer = JSON.readValue(model.answer(1000), Map.class);
        // d newest; a, b, c at the same time: partition 1 before 0, then the later sequence first; e oldest.
        assertEquals(List.of("d", "b", "c", "a", "e"), products(answer));
        assertEquals(1_700_000_000_000L, ((Number) answer.get("as_of")).longValue());
        assertEquals("state", answer.get("source"));
        assertEquals(List.of("d", "b"), products(JSON.readValue(model.answer(2), Map.class)));
    }

    @Test
    void aTombstoneTakesAMatchOutABookkeepingRecordChangesNothingAndChangesShowAtTheNextPublish() throws Exception {
        ConversionsReadModel model = new ConversionsReadModel(JSON, AggregatesProperties.defaults());
        model.apply(key(0, 1_000, 0), value("a"));
        model.apply(key(0, 2_000, 1), value("b"));
        model.publish();
        model.current(1L);

        model.apply(key(0, 1_000, 0), null);
        model.apply(bookkeeping(0), ByteBuffer.allocate(Integer.BYTES + Long.BYTES).putInt(1).putLong(2).array());
        assertEquals(List.of("b", "a"), products(JSON.readValue(model.answer(10), Map.class)), "not yet published");
        model.publish();
        assertEquals(List.of("b"), products(JSON.readValue(model.answer(10), Map.class)));

        model.apply(key(0, 2_000, 1), null);
        model.publish();
        assertEquals("{\"items\":[],\"as_of\":1,\"source\":\"state\"}", model.answer(10));
    }

    @Test
    void aRecordThatDoesNotParseThrowsAndLeavesTheModelAsItWas() throws Exception {
        ConversionsReadModel model = new ConversionsReadModel(JSON, AggregatesProperties.defaults());
        model.apply(key(0, 1_000, 0), value("a"));
        model.apply(key(1, 2_000, 0), value("b"));
        byte[] notJson = versioned("{\"product\":".getBytes(StandardCharsets.UTF_8));
        assertThrows(RuntimeException.class, () -> model.apply(key(0, 1_000, 0), notJson));
        model.publish();
        model.current(1L);
        assertEquals(List.of("b", "a"), products(JSON.readValue(model.answer(10), Map.class)),
            "the match the record would have replaced is still there, and nothing else changed");

        model.apply(key(0, 1_000, 0), value("a2"));
        model.publish();
        assertEquals(List.of("b", "a2"), products(JSON.readValue(model.answer(10), Map.class)),
            "the next record of the key replaces it as usual");
    }

    @Test
    void keepsNoMoreThanTheStoresKeepAndWritesTheMatchAsTheStoresAnswerDoes() throws Exception {
        ConversionsReadModel model = new ConversionsReadModel(JSON, AggregatesProperties.defaults().withRecent(100, 2));
        byte[] spaced = "{ \"user\" : \"u\",  \"product\": \"x\", \"amount\": 1.50, \"ts\": 17 }"
            .getBytes(StandardCharsets.UTF_8);
        model.apply(key(0, 3_000, 0), versioned(spaced));
        model.apply(key(1, 2_000, 0), value("y"));
        model.apply(key(2, 1_000, 0), value("z"));
        model.publish();
        model.current(1L);

        String stores = JSON.writeValueAsString(JSON.readValue(spaced, io.micronaut.json.tree.JsonNode.class));
        assertEquals("{\"items\":[" + stores + ",{\"product\":\"y\"}],\"as_of\":1,\"source\":\"state\"}",
            model.answer(1000), "the newest two (recent-conversions: 2), each as the stores' answer writes it");
    }

    private static List<?> products(Map<?, ?> answer) {
        return ((List<?>) answer.get("items")).stream().map(item -> ((Map<?, ?>) item).get("product")).toList();
    }

    static byte[] key(int partition, long timestamp, long sequence) {
        byte[] group = Integer.toString(partition).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Integer.BYTES + group.length + 2 * Long.BYTES).put((byte) 1).putInt(group.length)
            .put(group).putLong(~(timestamp ^ Long.MIN_VALUE)).putLong(~(sequence ^ Long.MIN_VALUE)).array();
    }

    private static byte[] bookkeeping(int partition) {
        byte[] group = Integer.toString(partition).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Integer.BYTES + group.length).put((byte) 0).putInt(group.length).put(group)
            .array();
    }

    static byte[] value(String product) {
        return versioned(("{\"product\":\"" + product + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] versioned(byte[] match) {
        return ByteBuffer.allocate(2 + match.length).put((byte) 0xFF).put((byte) 1).put(match).array();
    }
}
