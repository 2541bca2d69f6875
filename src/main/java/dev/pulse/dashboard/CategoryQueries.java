package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import dev.pulse.aggregates.AggregatesProperties;
import dev.pulse.aggregates.Stats;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.pulse.dashboard.Answers.items;
import static dev.pulse.dashboard.Answers.millis;
import static dev.pulse.dashboard.Answers.seconds;
import static dev.pulse.dashboard.Answers.statsItem;
import static dev.pulse.dashboard.Answers.top;

/** Reads of the category aggregates ({@code CategoryAggregates}): every category, one category's windows. */
@Singleton
public class CategoryQueries {

    private final StoreReads reads;
    private final CategoriesReadModel categories;
    private final long categoryWindowMs;

    CategoryQueries(StoreReads reads, CategoriesReadModel categories, AggregatesProperties properties) {
        this.reads = reads;
        this.categories = categories;
        this.categoryWindowMs = properties.categoryWindow().toMillis();
    }

    /**
     * {@code items}: every category's stats, the largest count first, ties by category: the ready answer of
     * {@link CategoriesReadModel}. Until that has read every partition's list (or while one is too long to publish),
     * and for a question another instance forwarded (an instance of an older version asking for this one's part during
     * a rolling update), from the stores as before.
     */
    public String categories(String path, boolean forwarded) {
        if (!forwarded && categories.answers()) {
            return categories.answer();
        }
        return reads.scanRead("categories", CacheGroups.CATEGORIES, "all", AggregateStores.CATEGORY_AGGREGATES, path,
            forwarded, () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<String, Stats> it = reads.<ReadOnlyKeyValueStore<String, Stats>>store(
                    AggregateStores.CATEGORY_AGGREGATES, QueryableStoreTypes.keyValueStore()).all()) {
                    it.forEachRemaining(kv -> items.add(statsItem("category", kv.key, kv.value)));
                }
                return items;
            },
            items -> items(top(items, "count", "category", Integer.MAX_VALUE)));
    }

    /**
     * {@code items}: the category's windows starting in {@code [from, to)} (epoch s), newest first, with
     * {@code closed}: true exactly when the window's final result has been written to {@code windowed-aggregates}.
     */
    public String categoryWindows(String category, long from, long to, String path, boolean forwarded) {
        BadParameterException.checkRange(from, to);
        return reads.keyRead("category-windows", CacheGroups.categoryWindows(category), from + ":" + to,
            AggregateStores.CATEGORY_WINDOWS, category, path, forwarded, () -> {
                ReadOnlyWindowStore<String, Stats> store = reads.store(AggregateStores.CATEGORY_WINDOWS,
                    QueryableStoreTypes.windowStore(), category);
                List<KeyValue<Long, Stats>> windows = new ArrayList<>();
                try (WindowStoreIterator<Stats> it = store.backwardFetch(category, millis(from), millis(to).minusMillis(1))) {
                    it.forEachRemaining(windows::add);
                }
                // The emitted store has the same partitions as the windows: this instance holds the category's key of both.
                Long emittedUpTo = reads.<ReadOnlyKeyValueStore<String, Long>>store(
                    AggregateStores.CATEGORY_WINDOWS_EMITTED, QueryableStoreTypes.keyValueStore(), category).get(category);
                List<Map<String, Object>> items = new ArrayList<>();
                for (KeyValue<Long, Stats> window : windows) {
                    long end = window.key + categoryWindowMs;
                    // Windows of a category are written in order of their end: every one up to the last is out.
                    boolean closed = emittedUpTo != null && end <= emittedUpTo;
                    Map<String, Object> item = statsItem("category", category, window.value);
                    item.put("window_start", seconds(window.key));
                    item.put("window_end", seconds(end));
                    item.put("closed", closed);
                    items.add(item);
                }
                return items(items);
            });
    }
}
