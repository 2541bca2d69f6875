package dev.pulse.aggregates;

import io.micronaut.serde.annotation.Serdeable;

import java.util.Comparator;

/**
 * A word and its count, as the top words list them.
 *
 * @param word  the lower-cased word
 * @param count its running count
 */
@Serdeable
public record WordCount(String word, long count) {

    /** The contract's order of the top words: the larger count first, ties by word. */
    public static final Comparator<WordCount> TOP_ORDER =
        Comparator.comparingLong((WordCount w) -> -w.count).thenComparing(WordCount::word);
}
