package dev.pulse.aggregates;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import org.apache.kafka.common.serialization.Serde;

import java.util.List;

/**
 * The newest window of one partition of the top pages, with its most viewed pages in {@link TopPages#RANKING}: the
 * value of the internal topic {@code top-pages-latest}, keyed by the partition number. The newest window of all is
 * the newest of the partitions' windows, and its top N pages, for any N up to {@link #LIMIT}, the first N of its
 * list.
 *
 * @param partition     the partition of {@code page-views-by-window} (the top pages store's task)
 * @param windowStartMs the start of the partition's newest window; null while it has none
 * @param pages         that window's top {@link #LIMIT} pages, or all of them when it has fewer
 */
@Serdeable
public record TopPagesOfPartition(int partition, @Nullable Long windowStartMs, List<PageViews> pages)
    implements PartitionList {

    /** The longest list a partition publishes: the largest {@code n} a read may ask for. */
    public static final int LIMIT = 1000;

    /** How the topology writes it and the dashboard reads it: JSON with a format version, as all of Pulse's state. */
    public static Serde<TopPagesOfPartition> serde(JsonMapper jsonMapper) {
        return VersionedSerde.json("top-pages-latest", jsonMapper, TopPagesOfPartition.class);
    }

    /** An empty list is left out of the JSON (the serializer's default inclusion), so it reads back as absent. */
    public TopPagesOfPartition {
        pages = pages == null ? List.of() : List.copyOf(pages);
    }
}
