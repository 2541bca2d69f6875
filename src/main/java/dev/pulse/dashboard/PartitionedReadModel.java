package dev.pulse.dashboard;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A ready answer built from one list per partition of a store, which the topology publishes on a compacted topic and
 * {@link ReadModelsReader} reads whole on every instance: a read is a lookup of the last published snapshot,
 * never a scan, and needs no other instance.
 *
 * <p>The writer (the reader's one thread) hands it each partition's latest list ({@link #apply}), then, once per poll
 * that brought any, {@link #publish}es what readers see; once it has read the topic to the end it had at start-up it
 * marks the model {@link #current}. The reader also tells it how many partitions the store has ({@link #expect}: those of
 * the topic the store's task reads). Until it is current and holds a list of every one of them ({@link #answers()}),
 * reads go the old way (stores, peers, Redis): a partition without a list is one whose task has not published yet,
 * as on an instance of a build before the read model, during a rolling upgrade.
 *
 * @param <P> one partition's list
 */
abstract class PartitionedReadModel<P> {

    private final Map<Integer, P> partitions = new HashMap<>(); // the writer's thread only
    private volatile Set<Integer> published = Set.of();
    private volatile int expected;
    private volatile boolean ready;
    private volatile long asOf;

    /** The partition {@code list} is of. */
    protected abstract int partitionOf(P list);

    /** Builds the snapshot readers see from every partition's latest list (writer's thread). */
    protected abstract void publish(Collection<P> lists);

    /** Takes a partition's latest list (writer's thread); seen by readers at the next {@link #publish()}. */
    final void apply(P list) {
        partitions.put(partitionOf(list), list);
    }

    /** Publishes every partition's latest list to readers (writer's thread). */
    final void publish() {
        publish(Collections.unmodifiableCollection(partitions.values()));
        published = Set.copyOf(partitions.keySet());
    }

    /** Sets how many partitions the store has (writer's thread); 0 while unknown. */
    final void expect(int partitions) {
        expected = partitions;
    }

    /** Whether the store's partition count is known yet (writer's thread asks, to look it up until it is). */
    final boolean expects() {
        return expected > 0;
    }

    /**
     * Marks the state as complete and current at {@code now} (writer's thread, after a poll that found the reader at
     * the topic's end).
     */
    final void current(long now) {
        asOf = now;
        ready = true;
    }

    /** Whether the lists of every partition that had one when the reader started have been read. */
    public boolean ready() {
        return ready;
    }

    /**
     * Whether reads may take the model's answer: it is {@link #ready()}, the store's partition count is known, and
     * every partition has published a list.
     */
    public boolean answers() {
        int n = expected;
        if (!ready || n <= 0) {
            return false;
        }
        Set<Integer> lists = published;
        for (int partition = 0; partition < n; partition++) {
            if (!lists.contains(partition)) {
                return false;
            }
        }
        return true;
    }

    /** When the reader last found itself at the end of the topic: what an answer is as of. */
    protected final long asOf() {
        return asOf;
    }

    /** An answer's {@code {"items": …, "as_of", "source": "state"}}. */
    protected final String answer(String itemsJson) {
        return "{\"items\":" + itemsJson + ",\"as_of\":" + asOf + ",\"source\":\"state\"}";
    }
}
