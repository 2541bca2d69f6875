package dev.pulse.aggregates;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Keeps the top {@link TopWordsOfPartition#LIMIT} words of its task's partition of {@link AggregateStores#WORD_COUNTS} from the
 * count changes, and forwards the list, keyed by the partition number, once per commit interval when it changed
 * (wall-clock punctuation, so the list goes out in the transaction of the counts it shows).
 *
 * <p>At start (a new task, a task moved here, a restart) the list is rebuilt from the task's store, which Streams
 * has restored by then, and forwarded at the first punctuation: a new owner republishes its partition.
 */
final class PartitionTopWords implements Processor<String, Long, String, TopWordsOfPartition> {

    private final TopWords top = new TopWords(TopWordsOfPartition.LIMIT);
    private ProcessorContext<String, TopWordsOfPartition> context;
    /** The DSL count's store, which the Processor API sees as timestamped: each count with its record time. */
    private ReadOnlyKeyValueStore<String, ValueAndTimestamp<Long>> counts;
    private boolean changed;

    @Override
    public void init(ProcessorContext<String, TopWordsOfPartition> context) {
        this.context = context;
        this.counts = context.getStateStore(AggregateStores.WORD_COUNTS);
        rebuild();
        changed = true;
        context.schedule(commitInterval(context.appConfigs()), PunctuationType.WALL_CLOCK_TIME, this::publish);
    }

    @Override
    public void process(Record<String, Long> record) {
        changed |= top.update(record.key(), record.value());
        if (top.needsRebuild()) {
            rebuild();
        }
    }

    private void publish(long now) {
        if (!changed) {
            return;
        }
        int partition = context.taskId().partition();
        context.forward(new Record<>(Integer.toString(partition), new TopWordsOfPartition(partition, top.list()), now));
        changed = false;
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

    /** Streams' commit interval in {@code configs} (a processor's {@code appConfigs()}). */
    static Duration commitInterval(Map<String, Object> configs) {
        Object interval = configs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        return Duration.ofMillis(interval == null ? 1000 : Long.parseLong(interval.toString()));
    }
}
