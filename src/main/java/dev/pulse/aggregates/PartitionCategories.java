package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Keeps every category of its task's partition of {@link AggregateStores#CATEGORY_AGGREGATES} with its stats, from the
 * aggregate's changes, and forwards them ({@link CategoriesOfPartition}), keyed by the partition number, once per
 * commit interval when they changed (wall-clock punctuation, so the list goes out in the transaction of the stats it
 * shows).
 *
 * <p>At start (a new task, a task moved here, a restart) the map is rebuilt from the task's store, which Streams has
 * restored by then, and forwarded at the first punctuation: a new owner republishes its partition.
 */
final class PartitionCategories implements Processor<String, Stats, String, CategoriesOfPartition> {

    private final SortedMap<String, Stats> categories = new TreeMap<>();
    private ProcessorContext<String, CategoriesOfPartition> context;
    private boolean changed;

    @Override
    public void init(ProcessorContext<String, CategoriesOfPartition> context) {
        this.context = context;
        // The DSL aggregate's store, which the Processor API sees as timestamped: each value with its record time.
        ReadOnlyKeyValueStore<String, ValueAndTimestamp<Stats>> store =
            context.getStateStore(AggregateStores.CATEGORY_AGGREGATES);
        try (KeyValueIterator<String, ValueAndTimestamp<Stats>> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Stats>> kv = it.next();
                categories.put(kv.key, kv.value.value());
            }
        }
        changed = true;
        context.schedule(PartitionTopWords.commitInterval(context.appConfigs()), PunctuationType.WALL_CLOCK_TIME,
            this::publish);
    }

    @Override
    public void process(Record<String, Stats> record) {
        if (record.value() == null) {
            categories.remove(record.key());
        } else {
            categories.put(record.key(), record.value());
        }
        changed = true;
    }

    private void publish(long now) {
        if (!changed) {
            return;
        }
        int partition = context.taskId().partition();
        context.forward(new Record<>(Integer.toString(partition), CategoriesOfPartition.of(partition, categories),
            now));
        changed = false;
    }
}
