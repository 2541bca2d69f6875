package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.time.Instant;

/**
 * Keeps the newest window of its task's partition of {@link AggregateStores#TOP_PAGES} with its views, from the
 * aggregate's changes, and publishes its top {@link TopPagesOfPartition#LIMIT} pages ({@link TopPagesOfPartition}) as
 * {@link PartitionListPublisher} says. A change of an older window than the newest is not shown.
 */
final class PartitionTopPages extends PartitionListPublisher<Windowed<String>, TopPages, TopPagesOfPartition> {

    private Long newestStart;
    private TopPages newest = TopPages.empty();

    @Override
    protected void load(ProcessorContext<String, TopPagesOfPartition> context) {
        // The DSL aggregate's store, which the Processor API sees as timestamped. Backwards, the first window is the
        // newest: its keys are the windows' starts in milliseconds, as text of one length.
        ReadOnlyWindowStore<String, ValueAndTimestamp<TopPages>> store =
            context.getStateStore(AggregateStores.TOP_PAGES);
        try (KeyValueIterator<Windowed<String>, ValueAndTimestamp<TopPages>> it =
                 store.backwardFetchAll(Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            if (it.hasNext()) {
                KeyValue<Windowed<String>, ValueAndTimestamp<TopPages>> window = it.next();
                newestStart = window.key.window().start();
                newest = window.value.value();
            }
        }
    }

    @Override
    protected boolean update(Record<Windowed<String>, TopPages> change) {
        long start = change.key().window().start();
        if (change.value() == null || (newestStart != null && start < newestStart)) {
            return false;
        }
        newestStart = start;
        newest = change.value();
        return true;
    }

    @Override
    protected TopPagesOfPartition list(int partition) {
        return new TopPagesOfPartition(partition, newestStart, newest.top(TopPagesOfPartition.LIMIT));
    }
}
