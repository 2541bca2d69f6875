package dev.pulse.aggregates;

import dev.pulse.events.CategoryRecord;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * {@code input-topic} → {@code aggregated-topic} and {@code windowed-aggregates}, both keyed by the
 * record's category (re-keyed from the value through the repartition topic {@code records-by-category}).
 * <ul>
 * <li>{@code aggregated-topic}: count, sum, average, min, max of {@code value} per category since the
 *     start, and the record time of the update as {@code timestamp}; per update.</li>
 * <li>{@code windowed-aggregates}: the same per 60 s tumbling event-time window plus
 *     {@code window_start}, {@code window_end}, with the window's latest record time as {@code timestamp}; once
 *     per window, when it closes: when the stream time of its partition of {@code records-by-category} passes its
 *     end plus grace, or, once that stream time has stood still for longer than {@code idle-close-after}
 *     (default: the grace), when the wall clock does ({@link ClosingWindows}). A record for a closed window is
 *     dropped and counted as late.</li>
 * </ul>
 * The dashboard's categories come ready from here: each task keeps its partition's categories from the aggregate's
 * changes ({@link PartitionCategories}) and writes them, once per commit interval when they changed, to the internal
 * compacted topic {@code aggregated-topic-categories} (key: the partition number; value: {@link CategoriesOfPartition}
 * as JSON), which every instance reads whole.
 * Bad records are only dropped here: the transform listener, which reads the same topic,
 * dead-letters them. Stores: {@link AggregateStores#CATEGORY_AGGREGATES},
 * {@link AggregateStores#CATEGORY_WINDOWS}, {@link AggregateStores#CATEGORY_WINDOWS_EMITTED} (what has been
 * written to {@code windowed-aggregates}) and {@link AggregateStores#CATEGORY_WINDOWS_CLOCK}.
 */
final class CategoryAggregates {

    private static final Serde<String> STRINGS = Serdes.String();
    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private CategoryAggregates() {
    }

    static void build(StreamsBuilder builder, AggregatesProperties properties, InputStreams inputs) {
        Serde<Stats> stats = VersionedSerde.of("the category stores", BinarySerdes.stats());
        Serde<Double> values = VersionedSerde.doubles("records-by-category");
        JsonMapper jsonMapper = inputs.jsonMapper();
        KStream<String, Double> records = inputs.decode(builder, Topics.INPUT_TOPIC, "records",
                (key, value, time) -> inputs.decoder().decodeRecord(value), CategoryRecord::eventTimeMs, false)
            .map((key, record) -> KeyValue.pair(record.category(), record.value()), Named.as("records-keyed-by-category"))
            .repartition(Repartitioned.with(STRINGS, values).withName("records-by-category"));

        KStream<String, Stats> changes = records
            .groupByKey(Grouped.with(STRINGS, values))
            .aggregate(Stats::empty, (category, value, aggregate) -> aggregate.add(value), Named.as("category-aggregate"),
                Materialized.<String, Stats, KeyValueStore<Bytes, byte[]>>as(AggregateStores.CATEGORY_AGGREGATES)
                    .withKeySerde(STRINGS).withValueSerde(stats))
            .toStream(Named.as("category-changes"));
        changes
            .processValues(json(jsonMapper, (category, s, time) -> categoryJson(category, s, time)),
                Named.as("category-to-json"))
            .to(inputs.topic(Topics.AGGREGATED_TOPIC), Produced.with(STRINGS, BYTES).withName("aggregated-topic-sink"));
        changes
            .process(PartitionCategories::new, Named.as("categories-of-partition"), AggregateStores.CATEGORY_AGGREGATES)
            .to(inputs.topic(Topics.AGGREGATED_TOPIC_CATEGORIES), Produced.with(STRINGS,
                CategoriesOfPartition.serde(jsonMapper)).withName("aggregated-topic-categories-sink"));

        // Not the DSL's windowedBy + suppress: there a window closes only when a later record moves stream
        // time, so a producer that stops never gets its last windows.
        records
            .process(ClosingWindows.supplier(new ClosingWindows.Spec<Double, Stats>(Topics.WINDOWED_AGGREGATES,
                    AggregateStores.CATEGORY_WINDOWS, AggregateStores.CATEGORY_WINDOWS_EMITTED,
                    AggregateStores.CATEGORY_WINDOWS_CLOCK, properties.categoryWindow(), properties.grace(),
                    properties.idleCloseAfter(), properties.idleCloseCheck(), properties.storeRetention(),
                    Stats::empty, (category, value, aggregate) -> aggregate.add(value), stats, inputs.metrics())),
                Named.as("category-window-aggregate"))
            .processValues(json(jsonMapper, (window, s, time) -> categoryJson(window.key(), s, time)
                .putSeconds("window_start", window.window().start())
                .putSeconds("window_end", window.window().end())), Named.as("category-window-to-json"))
            .selectKey((window, value) -> window.key(), Named.as("category-window-key"))
            .to(inputs.topic(Topics.WINDOWED_AGGREGATES),
                Produced.with(STRINGS, BYTES).withName("windowed-aggregates-sink"));
    }

    private static JsonOut categoryJson(String category, Stats s, long timeMs) {
        return JsonOut.object()
            .put("category", category)
            .put("count", s.count())
            .put("sum", s.sum())
            .put("average", s.average())
            .put("min", s.min())
            .put("max", s.max())
            .putSeconds("timestamp", timeMs);
    }

    /** The value written as JSON by {@code writer}, which sees the record time of the result. */
    private static <K, V> FixedKeyProcessorSupplier<K, V, byte[]> json(JsonMapper jsonMapper, JsonWriter<K, V> writer) {
        return () -> new FixedKeyProcessor<>() {
            private FixedKeyProcessorContext<K, byte[]> context;

            @Override
            public void init(FixedKeyProcessorContext<K, byte[]> context) {
                this.context = context;
            }

            @Override
            public void process(FixedKeyRecord<K, V> record) {
                context.forward(record.withValue(record.value() == null ? null
                    : writer.write(record.key(), record.value(), record.timestamp()).bytes(jsonMapper)));
            }
        };
    }

    /** Writes one output value; {@code timeMs} is the record time of the result. */
    @FunctionalInterface
    private interface JsonWriter<K, V> {
        JsonOut write(K key, V value, long timeMs);
    }
}
