package dev.pulse.dashboard;

import dev.pulse.aggregates.CategoriesOfPartition;
import dev.pulse.aggregates.CategoriesOfPartition.CategoryStats;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Every category with its stats, ready to be served: {@code GET /api/categories} is a lookup, never a scan, and asks
 * no other instance.
 *
 * <p>The writer ({@link ReadModelsReader}) hands it each partition's latest list from
 * {@code aggregated-topic-categories} and publishes all of them together ({@link PartitionedReadModel}), serialized
 * once per snapshot: the largest count first, ties by category, as the stores' answer. A partition that published
 * no list because it had too many categories ({@link CategoriesOfPartition#complete()} false) makes the model
 * {@linkplain #answers() answer nothing}: those reads go the old way until it publishes a whole list again.
 */
@Singleton
public class CategoriesReadModel extends PartitionedReadModel<CategoriesOfPartition> {

    private final JsonMapper jsonMapper;
    /** The items of the answer, serialized; null while a partition's list is incomplete. */
    private volatile String items = "[]";

    public CategoriesReadModel(JsonMapper jsonMapper) {
        this.jsonMapper = jsonMapper;
    }

    @Override
    protected void publish(Collection<CategoriesOfPartition> lists) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (CategoriesOfPartition list : lists) {
            if (!list.complete()) {
                items = null;
                return;
            }
            for (CategoryStats category : list.categories()) {
                all.add(Answers.statsItem("category", category.category(), category.stats()));
            }
        }
        try {
            items = jsonMapper.writeValueAsString(Answers.top(all, "count", "category", Integer.MAX_VALUE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@link #answer()} has an answer: as every read model's, and every partition's list is whole. */
    @Override
    public boolean answers() {
        return super.answers() && items != null;
    }

    /**
     * {@code {"items": [{"category", "count", "sum", "average", "min", "max"}…], "as_of", "source": "state"}};
     * only when {@link #answers()}.
     */
    public String answer() {
        String current = items;
        if (current == null) {
            throw new IllegalStateException("a partition's categories are not published whole");
        }
        return answer(current);
    }
}
