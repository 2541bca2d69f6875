package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the top {@link TopWordsOfPartition#LIMIT} words of its task's partition of {@link AggregateStores#WORD_COUNTS}
 * from the count changes, and publishes the list ({@link TopWordsOfPartition}) as {@link PartitionListPublisher} says.
 * A count that falls below the list's last makes it rebuild the list from the store.
 */
final class PartitionTopWords extends PartitionListPublisher<String, Long, TopWordsOfPartition> {

    private final TopWords top = new TopWords(TopWordsOfPartition.LIMIT);
    /** The DSL count's store, which the Processor API sees as timestamped: each count with its record time. */
    private ReadOnlyKeyValueStore<String, ValueAndTimestamp<Long>> counts;

    @Override
    protected void load(ProcessorContext<String, TopWordsOfPartition> context) {
        this.counts = context.getStateStore(AggregateStores.WORD_COUNTS);
        rebuild();
    }

    @Override
    protected boolean update(Record<String, Long> change) {
        boolean changed = top.update(change.key(), change.value());
        if (top.needsRebuild()) {
            rebuild();
        }
        return changed;
    }

    @Override
    protected TopWordsOfPartition list(int partition) {
        return new TopWordsOfPartition(partition, top.list());
    }

    private void rebuild() {
        List<WordCount> all = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<Long>> it = counts.all()) {
            while (it.hasNext()) {
                KeyValue<String, ValueAndTimestamp<Long>> kv = it.next();
                all.add(new WordCount(kv.key, kv.value.value()));
            }
        }
        top.rebuild(all);
    }
}
