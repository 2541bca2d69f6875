package dev.pulse.dashboard;

import dev.pulse.aggregates.AggregateStores;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.pulse.dashboard.Answers.answer;
import static dev.pulse.dashboard.Answers.items;
import static dev.pulse.dashboard.Answers.ordered;
import static dev.pulse.dashboard.Answers.top;

/** Reads of the word totals ({@code WordTotals}): one word's count, the most frequent words. */
@Singleton
public class WordQueries {

    /** A word's count within its cache group ({@link CacheGroups#word}). */
    static final String COUNT = "count";

    private final StoreReads reads;
    private final TopWordsReadModel topWords;

    WordQueries(StoreReads reads, TopWordsReadModel topWords) {
        this.reads = reads;
        this.topWords = topWords;
    }

    /** {@code {"word", "count"}}, 0 for an unseen word. */
    public String word(String word, String path, boolean forwarded) {
        return reads.keyRead("word", CacheGroups.word(word), COUNT, AggregateStores.WORD_COUNTS, word, path, forwarded,
            () -> {
                Long count = reads.<ReadOnlyKeyValueStore<String, Long>>store(AggregateStores.WORD_COUNTS,
                    QueryableStoreTypes.keyValueStore(), word).get(word);
                return countAnswer(word, count == null ? 0L : count);
            });
    }

    /** A word's answer: {@code {"word", "count", "as_of"}}; also what the feed keeps from {@code word-totals}. */
    static Map<String, Object> countAnswer(String word, long count) {
        return answer("word", word, "count", count);
    }

    /**
     * {@code items}: the {@code top} most frequent words, ties by word: the ready answer of {@link TopWordsReadModel}.
     * Until that has read every partition's list, and for a question another instance forwarded (an instance of an
     * older version asking for this one's part during a rolling update), from the stores as before.
     */
    public String topWords(int top, String path, boolean forwarded) {
        if (!forwarded && topWords.answers()) {
            return topWords.answer(top);
        }
        return reads.scanRead("words", CacheGroups.WORDS, Integer.toString(top), AggregateStores.WORD_COUNTS, path,
            forwarded, () -> {
                List<Map<String, Object>> items = new ArrayList<>();
                try (KeyValueIterator<String, Long> it = counts().all()) {
                    it.forEachRemaining(kv -> items.add(ordered("word", kv.key, "count", kv.value)));
                }
                return items;
            },
            items -> items(top(items, "count", "word", top)));
    }

    private ReadOnlyKeyValueStore<String, Long> counts() {
        return reads.store(AggregateStores.WORD_COUNTS, QueryableStoreTypes.keyValueStore());
    }
}
