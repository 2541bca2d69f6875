package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Keeps every category of its task's partition of {@link AggregateStores#CATEGORY_AGGREGATES} with its stats, from the
 * aggregate's changes, and publishes them ({@link CategoriesOfPartition}) as {@link PartitionListPublisher} says.
 */
final class PartitionCategories extends PartitionListPublisher<String, Stats, CategoriesOfPartition> {

    private final SortedMap<String, Stats> categories = new TreeMap<>();

    @Override
    protected void load(ProcessorContext<String, CategoriesOfPartition> context) {
        // The DSL aggregate's store, which the Processor API sees as timestamped: each value with its record time.
        ReadOnlyKeyValueStore<String, ValueAndTimestamp<Stats>> store =
            context.getStateStore(AggregateStores.CATEGORY_AGGREGATES);
        try (KeyValueIterator<String, ValueAndTimestamp<Stats>> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Stats>> kv = it.next();
                categories.put(kv.key, kv.value.value());
            }
        }
    }

    @Override
    protected boolean update(Record<String, Stats> change) {
        if (change.value() == null) {
            categories.remove(change.key());
        } else {
            categories.put(change.key(), change.value());
        }
        return true;
    }

    @Override
    protected CategoriesOfPartition list(int partition) {
        return CategoriesOfPartition.of(partition, categories);
    }
}
