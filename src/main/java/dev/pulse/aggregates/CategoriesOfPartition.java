package dev.pulse.aggregates;

import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import org.apache.kafka.common.serialization.Serde;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every category of one partition of the category aggregates with its stats, by category: the value of the internal
 * topic {@code aggregated-topic-categories}, keyed by the partition number. Every category lives in one partition, so
 * all categories are the partitions' lists together.
 *
 * <p>A partition whose list would not fit a Kafka record comfortably ({@link #MAX_BYTES}: category names are the
 * producers' strings, of any length) publishes no list and {@code complete: false}; readers then answer from the
 * stores instead.
 *
 * @param partition  the partition of {@code records-by-category} (the aggregate store's task)
 * @param complete   whether {@code categories} holds all of the partition's categories
 * @param categories the partition's categories, by category; empty when not complete
 */
@Serdeable
public record CategoriesOfPartition(int partition, boolean complete, List<CategoryStats> categories)
    implements PartitionList {

    /** The largest list published, by a generous estimate of its JSON: a quarter of Kafka's default record limit. */
    public static final int MAX_BYTES = 256 * 1024;
    /** Per category, in the estimate: the field names and numbers. */
    private static final int PER_CATEGORY_BYTES = 160;

    /** How the topology writes it and the dashboard reads it: JSON with a format version, as all of Pulse's state. */
    public static Serde<CategoriesOfPartition> serde(JsonMapper jsonMapper) {
        return VersionedSerde.json("aggregated-topic-categories", jsonMapper, CategoriesOfPartition.class);
    }

    /** An empty list is left out of the JSON (the serializer's default inclusion), so it reads back as absent. */
    public CategoriesOfPartition {
        categories = categories == null ? List.of() : List.copyOf(categories);
    }

    /** The list of {@code categories} (in their map's order), or an incomplete one when it is too long to publish. */
    static CategoriesOfPartition of(int partition, Map<String, Stats> categories) {
        long bytes = 0;
        List<CategoryStats> list = new ArrayList<>(categories.size());
        for (Map.Entry<String, Stats> category : categories.entrySet()) {
            // UTF-8 bytes of the name, doubled for JSON escapes: an upper bound.
            bytes += 2L * category.getKey().getBytes(StandardCharsets.UTF_8).length + PER_CATEGORY_BYTES;
            if (bytes > MAX_BYTES) {
                return new CategoriesOfPartition(partition, false, List.of());
            }
            list.add(new CategoryStats(category.getKey(), category.getValue()));
        }
        return new CategoriesOfPartition(partition, true, list);
    }

    /** One category's stats since the start, as in {@code aggregated-topic}. */
    @Serdeable
    public record CategoryStats(String category, Stats stats) {
    }
}
