package dev.pulse.aggregates;

import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Duration;
import java.util.Map;

/**
 * Keeps a read model's list of its task's partition of a store from the store's changes, and forwards it
 * ({@link PartitionList}), keyed by the partition number, once per commit interval when it changed: wall-clock
 * punctuation, so the list goes out in the transaction of the changes it shows.
 *
 * <p>At start (a new task, a task moved here, a restart) a subclass {@linkplain #load loads} its state from the task's
 * store, which Streams has restored by then, and the list is forwarded at the first punctuation: a new owner
 * republishes its partition.
 *
 * @param <K> the store's change keys
 * @param <V> the store's change values
 * @param <L> the list forwarded
 */
abstract class PartitionListPublisher<K, V, L extends PartitionList> implements Processor<K, V, String, L> {

    private ProcessorContext<String, L> context;
    private boolean changed;

    @Override
    public final void init(ProcessorContext<String, L> context) {
        this.context = context;
        load(context);
        changed = true;
        context.schedule(commitInterval(context.appConfigs()), PunctuationType.WALL_CLOCK_TIME, this::publish);
    }

    @Override
    public final void process(Record<K, V> record) {
        changed |= update(record);
    }

    /** Loads the partition's state from the task's store (its stores are {@code context}'s), restored by now. */
    protected abstract void load(ProcessorContext<String, L> context);

    /** Takes a change of the store; whether the list it gives changed. */
    protected abstract boolean update(Record<K, V> change);

    /** The list of {@code partition} as it is now. */
    protected abstract L list(int partition);

    private void publish(long now) {
        if (!changed) {
            return;
        }
        int partition = context.taskId().partition();
        context.forward(new Record<>(Integer.toString(partition), list(partition), now));
        changed = false;
    }

    /** Streams' commit interval in {@code configs} (a processor's {@code appConfigs()}). */
    static Duration commitInterval(Map<String, Object> configs) {
        Object interval = configs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        return Duration.ofMillis(interval == null ? 1000 : Long.parseLong(interval.toString()));
    }
}
