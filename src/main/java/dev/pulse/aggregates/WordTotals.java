package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.List;

/**
 * {@code word-counts} → {@code word-totals}: the running count of every lower-cased word, keyed by
 * the word, a bare number emitted on every update. A value is {@code {"word": …}} or a text line
 * split into words (the decoder's rules); the key is ignored and the words are re-keyed through the
 * repartition topic {@code words-by-word}. Store: {@link AggregateStores#WORD_COUNTS}.
 *
 * <p>The dashboard's top words come ready from here: each task keeps its partition's top words from the count changes
 * ({@link PartitionTopWords}) and writes them, once per commit interval when they changed, to the internal compacted
 * topic {@code word-totals-top} (key: the partition number; value: {@link TopWordsOfPartition} as JSON), which every
 * instance reads whole and merges.
 */
final class WordTotals {

    private static final Serde<String> STRINGS = Serdes.String();

    private WordTotals() {
    }

    /** @return the raw stream of {@code word-counts} (the factory must return a stream) */
    static KStream<String, byte[]> build(StreamsBuilder builder, InputStreams inputs) {
        KStream<String, byte[]> raw = inputs.source(builder, Topics.WORD_COUNTS, "words");
        KStream<String, Long> changes = inputs.<List<String>>decode(raw, Topics.WORD_COUNTS, "words",
                (key, value, time) -> inputs.decoder().decodeWords(value), words -> null, false)
            .flatMapValues(words -> words, Named.as("words-split"))
            .groupBy((key, word) -> word, Grouped.with("words-by-word", STRINGS, VersionedSerde.strings("words-by-word")))
            .count(Named.as("words-count"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(
                AggregateStores.WORD_COUNTS)
                .withKeySerde(STRINGS).withValueSerde(VersionedSerde.longs(AggregateStores.WORD_COUNTS)))
            .toStream(Named.as("words-changes"));
        changes
            .mapValues(count -> String.valueOf(count), Named.as("words-to-text"))
            .to(inputs.topic(Topics.WORD_TOTALS), Produced.with(STRINGS, STRINGS).withName("word-totals-sink"));
        changes
            .process(PartitionTopWords::new, Named.as("words-top"), AggregateStores.WORD_COUNTS)
            .to(inputs.topic(Topics.WORD_TOTALS_TOP), Produced.with(STRINGS,
                TopWordsOfPartition.serde(inputs.jsonMapper())).withName("word-totals-top-sink"));
        return raw;
    }
}
