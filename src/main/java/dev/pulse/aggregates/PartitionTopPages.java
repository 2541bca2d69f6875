package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.time.Instant;

/**
 * Keeps the newest window of its task's partition of {@link AggregateStores#TOP_PAGES} with its views, from the
 * aggregate's changes, and forwards its top {@link TopPagesOfPartition#LIMIT} pages ({@link TopPagesOfPartition}),
 * keyed by the partition number, once per commit interval when they changed (wall-clock punctuation, so the list goes
 * out in the transaction of the views it shows). A change of an older window than the newest is not shown.
 *
 * <p>At start (a new task, a task moved here, a restart) the newest window is read from the task's store, which
 * Streams has restored by then, and forwarded at the first punctuation: a new owner republishes its partition.
 */
final class PartitionTopPages implements Processor<Windowed<String>, TopPages, String, TopPagesOfPartition> {

    private ProcessorContext<String, TopPagesOfPartition> context;
    private Long newestStart;
    private TopPages newest = TopPages.empty();
    private boolean changed;

    @Override
    public void init(ProcessorContext<String, TopPagesOfPartition> context) {
        this.context = context;
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
        changed = true;
        context.schedule(PartitionTopWords.commitInterval(context.appConfigs()), PunctuationType.WALL_CLOCK_TIME,
            this::publish);
    }

    @Override
    public void process(Record<Windowed<String>, TopPages> record) {
        long start = record.key().window().start();
        if (record.value() == null || (newestStart != null && start < newestStart)) {
            return;
        }
        newestStart = start;
        newest = record.value();
        changed = true;
    }

    private void publish(long now) {
        if (!changed) {
            return;
        }
        int partition = context.taskId().partition();
        context.forward(new Record<>(Integer.toString(partition),
            new TopPagesOfPartition(partition, newestStart, newest.top(TopPagesOfPartition.LIMIT)), now));
        changed = false;
    }
}
