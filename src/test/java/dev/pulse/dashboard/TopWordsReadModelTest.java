package dev.pulse.dashboard;

import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.aggregates.WordCount;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TopWordsReadModel}: the partitions' lists merged into the answer, without Kafka. */
class TopWordsReadModelTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();

    @Test
    void mergesThePartitionsListsWithTiesByWordAcrossPartitions() {
        List<WordCount> merged = TopWordsReadModel.merge(List.of(
            List.of(w("b", 5), w("d", 2)),
            List.of(w("c", 5), w("a", 2)),
            List.of()), 3);

        assertEquals(List.of(w("b", 5), w("c", 5), w("a", 2)), merged);
    }

    @Test
    void theMergedTopNEqualsTheTopNOfAllWordsSplitIntoPartitionsAtRandom() {
        Random random = new Random(15);
        for (int run = 0; run < 100; run++) {
            int limit = 1 + random.nextInt(10);
            List<List<WordCount>> partitions = new ArrayList<>();
            List<WordCount> all = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                partitions.add(new ArrayList<>());
            }
            int words = random.nextInt(30);
            for (int word = 0; word < words; word++) {
                WordCount count = w("w" + word, 1 + random.nextInt(4));
                all.add(count);
                partitions.get(random.nextInt(3)).add(count);
            }
            all.sort(WordCount.TOP_ORDER);
            List<List<WordCount>> published = partitions.stream().map(list -> {
                list.sort(WordCount.TOP_ORDER);
                return list.subList(0, Math.min(limit, list.size())); // each partition's own top list
            }).toList();

            assertEquals(all.subList(0, Math.min(limit, all.size())), TopWordsReadModel.merge(published, limit), "run " + run);
        }
    }

    @Test
    void answersTheFirstNOfTheLatestPublishedListsOnceCurrent() throws Exception {
        TopWordsReadModel model = new TopWordsReadModel(JSON);
        assertFalse(model.ready(), "not before the reader reached the end");
        model.apply(new TopWordsOfPartition(0, List.of(w("apple", 3), w("fig", 1))));
        model.apply(new TopWordsOfPartition(1, List.of(w("pear", 3))));
        model.publish();
        model.current(1_700_000_000_000L);

        assertTrue(model.ready());
        Map<?, ?> two = JSON.readValue(model.answer(2), Map.class);
        assertEquals(List.of(Map.of("word", "apple", "count", 3), Map.of("word", "pear", "count", 3)), two.get("items"));
        assertEquals(1_700_000_000_000L, ((Number) two.get("as_of")).longValue());
        assertEquals("state", two.get("source"));
        assertEquals(3, ((List<?>) JSON.readValue(model.answer(1000), Map.class).get("items")).size());

        model.apply(new TopWordsOfPartition(0, List.of(w("fig", 4), w("apple", 3))));
        assertEquals(two.get("items"), JSON.readValue(model.answer(2), Map.class).get("items"),
            "a partition's new list is seen at the next publish, with the others'");
        model.publish();
        assertEquals(List.of(Map.of("word", "fig", "count", 4), Map.of("word", "apple", "count", 3)),
            JSON.readValue(model.answer(2), Map.class).get("items"), "a new snapshot: no answer of the old one");
    }

    @Test
    void aPartitionWithoutWordsReadsBackAsAnEmptyList() throws Exception {
        var format = TopWordsOfPartition.serde(JSON);
        byte[] published = format.serializer().serialize("word-totals-top", new TopWordsOfPartition(2, List.of()));

        TopWordsOfPartition read = format.deserializer().deserialize("word-totals-top", published);

        assertEquals(new TopWordsOfPartition(2, List.of()), read);
    }

    private static WordCount w(String word, long count) {
        return new WordCount(word, count);
    }
}
