package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.PageViews;
import dev.pulse.aggregates.TopPagesOfPartition;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.pulse.dashboard.Answers.ordered;
import static dev.pulse.dashboard.Answers.seconds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TopPagesReadModel}: the newest of the partitions' windows as the answer, without Kafka. */
class TopPagesReadModelTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();
    private static final long MINUTE = 60_000;
    private static final long T0 = 1_700_000_040_000L; // a minute's start

    @Test
    void answersTheNewestWindowOfAllPartitionsCutAtNOnceCurrent() throws Exception {
        TopPagesReadModel model = new TopPagesReadModel(JSON, AggregatesProperties.defaults());
        model.apply(new TopPagesOfPartition(0, T0 + MINUTE, List.of(p("/b", 3), p("/a", 1))));
        model.apply(new TopPagesOfPartition(1, T0 + 2 * MINUTE, List.of(p("/c", 2), p("/d", 2), p("/e", 1))));
        model.apply(new TopPagesOfPartition(2, null, List.of()));
        model.publish();
        assertFalse(model.ready(), "not before the reader reached the end");
        model.current(1_700_000_000_000L);

        assertTrue(model.ready());
        Map<?, ?> two = JSON.readValue(model.answer(2), Map.class);
        assertEquals((T0 + 2 * MINUTE) / 1000, ((Number) two.get("window_start")).longValue(), "the newest window");
        assertEquals((T0 + 3 * MINUTE) / 1000, ((Number) two.get("window_end")).longValue());
        assertEquals(List.of(Map.of("page", "/c", "views", 2), Map.of("page", "/d", "views", 2)), two.get("pages"));
        assertEquals(1_700_000_000_000L, ((Number) two.get("as_of")).longValue());
        assertEquals("state", two.get("source"));
        assertEquals(3, ((List<?>) JSON.readValue(model.answer(1000), Map.class).get("pages")).size());

        model.apply(new TopPagesOfPartition(0, T0 + 3 * MINUTE, List.of(p("/f", 1))));
        assertEquals(two, JSON.readValue(model.answer(2), Map.class), "a partition's new window is seen at the next publish");
        model.publish();
        assertEquals(List.of(Map.of("page", "/f", "views", 1)), JSON.readValue(model.answer(2), Map.class).get("pages"));
    }

    @Test
    void theAnswerHasTheFieldsOfTheStoresAnswerAndNullsBeforeAnyPageView() throws Exception {
        TopPagesReadModel model = new TopPagesReadModel(JSON, AggregatesProperties.defaults());
        model.publish();
        model.current(7L);
        assertEquals("{\"window_start\":null,\"window_end\":null,\"pages\":[],\"as_of\":7,\"source\":\"state\"}",
            model.answer(10));

        model.apply(new TopPagesOfPartition(1, T0, List.of(p("/a", 4), p("/b", 1))));
        model.publish();
        Map<String, Object> stores = ordered("window_start", seconds(T0), "window_end", seconds(T0 + MINUTE),
            "pages", List.of(ordered("page", "/a", "views", 4L)));
        String fields = JSON.writeValueAsString(stores);
        assertEquals(fields.substring(0, fields.length() - 1) + ",\"as_of\":7,\"source\":\"state\"}", model.answer(1));
    }

    @Test
    void aPartitionWithoutAWindowReadsBackAsOne() throws Exception {
        var format = TopPagesOfPartition.serde(JSON);
        byte[] published = format.serializer().serialize("top-pages-latest", new TopPagesOfPartition(2, null, List.of()));

        assertEquals(new TopPagesOfPartition(2, null, List.of()), format.deserializer().deserialize("top-pages-latest", published));
    }

    private static PageViews p(String page, long views) {
        return new PageViews(page, views);
    }
}
