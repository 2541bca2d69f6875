package dev.pulse.dashboard;

import dev.pulse.aggregates.PartitionList;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ReadModel} built from one list per partition of a store, which the topology publishes on a compacted topic.
 *
 * <p>The writer (the reader's one thread) hands it each partition's latest list ({@link #apply}), then, once per poll
 * that brought any, {@link #publish}es what readers see. The reader also tells it how many partitions the store has
 * ({@link #expect}: those of the topic the store's task reads). Until it is current and holds a list of every one of
 * them ({@link #answers()}), reads go the old way (stores, peers, Redis): a partition without a list is one whose task
 * has not published yet, as on an instance of a build before the read model, during a rolling upgrade.
 *
 * @param <P> one partition's list
 */
abstract class PartitionedReadModel<P extends PartitionList> extends ReadModel {

    private final Map<Integer, P> partitions = new HashMap<>(); // the writer's thread only
    private volatile Set<Integer> published = Set.of();
    private volatile int expected;

    /** Builds the snapshot readers see from every partition's latest list (writer's thread). */
    protected abstract void publish(Collection<P> lists);

    /** Takes a partition's latest list (writer's thread); seen by readers at the next {@link #publish()}. */
    final void apply(P list) {
        partitions.put(list.partition(), list);
    }

    /** Publishes every partition's latest list to readers (writer's thread). */
    @Override
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
     * Whether reads may take the model's answer: it is {@link #ready()}, the store's partition count is known, and
     * every partition has published a list.
     */
    @Override
    public boolean answers() {
        int n = expected;
        if (!ready() || n <= 0) {
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
}
