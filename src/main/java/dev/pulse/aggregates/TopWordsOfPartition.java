package dev.pulse.aggregates;

import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import org.apache.kafka.common.serialization.Serde;

import java.util.List;

/**
 * The most frequent words of one partition of the word counts, in {@link WordCount#TOP_ORDER}: the value of the
 * internal topic {@code word-totals-top}, keyed by the partition number. Every word lives in one partition, so the
 * top N of all words is the top N of the partitions' lists merged, for any N up to {@link #LIMIT}.
 *
 * @param partition the partition of {@code words-by-word} (the count store's task)
 * @param words     its top {@link #LIMIT} words, or all of them when it has fewer
 */
@Serdeable
public record TopWordsOfPartition(int partition, List<WordCount> words) implements PartitionList {

    /** The longest list a partition publishes: the largest {@code top} a read may ask for. */
    public static final int LIMIT = 1000;

    /** How the topology writes it and the dashboard reads it: JSON with a format version, as all of Pulse's state. */
    public static Serde<TopWordsOfPartition> serde(JsonMapper jsonMapper) {
        return VersionedSerde.json("word-totals-top", jsonMapper, TopWordsOfPartition.class);
    }

    /** An empty list is left out of the JSON (the serializer's default inclusion), so it reads back as absent. */
    public TopWordsOfPartition {
        words = words == null ? List.of() : List.copyOf(words);
    }
}
