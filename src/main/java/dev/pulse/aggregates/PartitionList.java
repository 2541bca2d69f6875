package dev.pulse.aggregates;

/**
 * What a task publishes for a read model: the list of its partition of a store ({@link TopWordsOfPartition},
 * {@link CategoriesOfPartition}, {@link TopPagesOfPartition}), keyed on its topic by that partition.
 */
public interface PartitionList {

    /** The partition of the store the list is of. */
    int partition();
}
