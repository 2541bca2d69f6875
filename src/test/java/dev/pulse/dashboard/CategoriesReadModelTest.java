package dev.pulse.dashboard;

import dev.pulse.aggregates.CategoriesOfPartition;
import dev.pulse.aggregates.CategoriesOfPartition.CategoryStats;
import dev.pulse.aggregates.Stats;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CategoriesReadModel}: the partitions' lists together as the answer, without Kafka. */
class CategoriesReadModelTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    @Test
    void answersEveryCategoryOfEveryPartitionLargestCountFirstTiesByCategoryOnceCurrent() throws Exception {
        CategoriesReadModel model = new CategoriesReadModel(JSON);
        model.apply(new CategoriesOfPartition(0, true, List.of(c("b", new Stats(2, 30, 10, 20)), c("z", new Stats(1, 7, 7, 7)))));
        model.apply(new CategoriesOfPartition(2, true, List.of(c("a", new Stats(2, 3, 1, 2.5)))));
        model.publish();
        model.expect(3);
        assertFalse(model.answers(), "not before the reader reached the end");

        model.current(1_700_000_000_000L);
        assertFalse(model.answers(), "partition 1 has published no list (its task runs a build before the read model)");
        model.apply(new CategoriesOfPartition(1, true, List.of()));
        model.publish();
        assertTrue(model.answers());
        Map<?, ?> answer = JSON.readValue(model.answer(), Map.class);
        assertEquals(List.of(
            item("a", 2, 3.0, 1.5, 1.0, 2.5),
            item("b", 2, 30.0, 15.0, 10.0, 20.0),
            item("z", 1, 7.0, 7.0, 7.0, 7.0)), answer.get("items"), "count 2 before 1; a before b in the tie");
        assertEquals(1_700_000_000_000L, ((Number) answer.get("as_of")).longValue());
        assertEquals("state", answer.get("source"));

        model.apply(new CategoriesOfPartition(0, true, List.of(c("b", new Stats(3, 31, 1, 20)))));
        assertEquals(answer.get("items"), JSON.readValue(model.answer(), Map.class).get("items"),
            "a partition's new list is seen at the next publish");
        model.publish();
        assertEquals(List.of(item("b", 3, 31.0, 31.0 / 3, 1.0, 20.0), item("a", 2, 3.0, 1.5, 1.0, 2.5)),
            JSON.readValue(model.answer(), Map.class).get("items"), "the partition's old categories are gone with its old list");
    }

    @Test
    void answersNothingWhileAPartitionsListIsIncompleteAndAgainOnceItIsWhole() throws Exception {
        CategoriesReadModel model = new CategoriesReadModel(JSON);
        model.apply(new CategoriesOfPartition(0, true, List.of(c("a", new Stats(1, 1, 1, 1)))));
        model.apply(new CategoriesOfPartition(1, false, List.of()));
        model.publish();
        model.current(1L);
        model.expect(2);

        assertTrue(model.ready());
        assertFalse(model.answers(), "one partition has too many categories to publish: read from the stores");
        assertThrows(IllegalStateException.class, model::answer);

        model.apply(new CategoriesOfPartition(1, true, List.of(c("b", new Stats(2, 2, 1, 1)))));
        model.publish();
        assertTrue(model.answers());
        assertEquals(List.of(item("b", 2, 2.0, 1.0, 1.0, 1.0), item("a", 1, 1.0, 1.0, 1.0, 1.0)),
            JSON.readValue(model.answer(), Map.class).get("items"));
    }

    @Test
    void theAnswerHasTheFieldsAndNumbersOfTheStoresAnswer() throws Exception {
        Stats stats = new Stats(4, 10, -2, 8);
        CategoriesReadModel model = new CategoriesReadModel(JSON);
        model.apply(new CategoriesOfPartition(0, true, List.of(c("A", stats))));
        model.publish();
        model.current(1L);
        model.expect(1);
        assertTrue(model.answers());

        String stores = JSON.writeValueAsString(List.of(Answers.statsItem("category", "A", stats)));
        assertEquals("{\"items\":" + stores + ",\"as_of\":1,\"source\":\"state\"}", model.answer());
    }

    @Test
    void answersNothingWhileTheStoresPartitionCountIsUnknown() {
        CategoriesReadModel model = new CategoriesReadModel(JSON);
        model.apply(new CategoriesOfPartition(0, true, List.of(c("a", new Stats(1, 1, 1, 1)))));
        model.publish();
        model.current(1L);

        assertTrue(model.ready());
        assertFalse(model.answers(), "the repartition topic that gives the count does not exist yet");
        model.expect(1);
        assertTrue(model.answers());
    }

    @Test
    void aPartitionWithoutCategoriesReadsBackAsAnEmptyList() throws Exception {
        var format = CategoriesOfPartition.serde(JSON);
        byte[] published = format.serializer().serialize("aggregated-topic-categories",
            new CategoriesOfPartition(1, true, List.of()));

        assertEquals(new CategoriesOfPartition(1, true, List.of()),
            format.deserializer().deserialize("aggregated-topic-categories", published));
    }

    private static CategoryStats c(String category, Stats stats) {
        return new CategoryStats(category, stats);
    }

    private static Map<String, Object> item(String category, long count, double sum, double average, double min, double max) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("category", category);
        item.put("count", (int) count);
        item.put("sum", sum);
        item.put("average", average);
        item.put("min", min);
        item.put("max", max);
        return item;
    }
}
