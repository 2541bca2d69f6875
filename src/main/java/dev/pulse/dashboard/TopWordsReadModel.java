package dev.pulse.dashboard;

import dev.pulse.aggregates.TopWordsOfPartition;
import dev.pulse.aggregates.WordCount;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The top words of all partitions, ready to be served: {@code GET /api/words?top=N} is a lookup, never a scan.
 *
 * <p>The writer ({@link ReadModelsReader}, one thread) hands it each partition's latest list from {@code word-totals-top}
 * and, once per poll that brought any, publishes the merge of all partitions' lists ({@link PartitionedReadModel}): the top
 * {@link TopWordsOfPartition#LIMIT} words of all words, exact because every word lives in one partition (a word in the global top N is in
 * its partition's top N). Readers take the published snapshot, whose answers are serialized once per {@code top} and
 * snapshot (the near cache; a new snapshot starts an empty one, so no answer outlives the state it shows).
 *
 * <p>Until the reader has read the topic to the end it had at start-up and every partition has published its list,
 * {@link #answers()} is false and reads go the old way (stores, peers, Redis).
 */
@Singleton
public class TopWordsReadModel extends PartitionedReadModel<TopWordsOfPartition> {

    /** Answers for {@code top} up to this are kept per snapshot; larger ones are rare and serialized per read. */
    private static final int CACHED_TOPS = 100;

    private final JsonMapper jsonMapper;
    private volatile Snapshot snapshot = new Snapshot(List.of());

    public TopWordsReadModel(JsonMapper jsonMapper) {
        this.jsonMapper = jsonMapper;
    }

    /** Merges the partitions' lists into the snapshot readers see. */
    @Override
    protected void publish(Collection<TopWordsOfPartition> lists) {
        snapshot = new Snapshot(merge(lists.stream().map(TopWordsOfPartition::words).toList(), TopWordsOfPartition.LIMIT));
    }

    /**
     * {@code {"items": [{"word", "count"}…], "as_of", "source": "state"}}: the {@code top} most frequent words,
     * ties by word; {@code as_of} is when the reader last found itself at the end of the topic.
     */
    public String answer(int top) {
        Snapshot current = snapshot;
        return answer(top <= CACHED_TOPS ? current.items.computeIfAbsent(top, current::itemsJson) : current.itemsJson(top));
    }

    /** The first {@code limit} words of sorted lists merged, in {@link WordCount#TOP_ORDER}. */
    static List<WordCount> merge(Iterable<List<WordCount>> lists, int limit) {
        PriorityQueue<Cursor> heads = new PriorityQueue<>((a, b) -> WordCount.TOP_ORDER.compare(a.head(), b.head()));
        for (List<WordCount> list : lists) {
            if (!list.isEmpty()) {
                heads.add(new Cursor(list, 0));
            }
        }
        List<WordCount> merged = new ArrayList<>(limit);
        while (merged.size() < limit && !heads.isEmpty()) {
            Cursor first = heads.poll();
            merged.add(first.head());
            if (first.index + 1 < first.list.size()) {
                heads.add(new Cursor(first.list, first.index + 1));
            }
        }
        return merged;
    }

    private record Cursor(List<WordCount> list, int index) {
        WordCount head() {
            return list.get(index);
        }
    }

    private final class Snapshot {

        private final List<WordCount> top;
        private final Map<Integer, String> items = new ConcurrentHashMap<>();

        Snapshot(List<WordCount> top) {
            this.top = top;
        }

        String itemsJson(int n) {
            List<Map<String, Object>> list = new ArrayList<>(Math.min(n, top.size()));
            for (WordCount word : top.subList(0, Math.min(n, top.size()))) {
                list.add(Answers.ordered("word", word.word(), "count", word.count()));
            }
            try {
                return jsonMapper.writeValueAsString(list);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
