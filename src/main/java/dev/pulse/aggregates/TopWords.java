package dev.pulse.aggregates;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The top {@code limit} words of a set of counts, kept up to date one change at a time in
 * {@link WordCount#TOP_ORDER} (larger count first, ties by word).
 *
 * <p>A word outside the list can only enter it through a change of its own count, so a rising count is applied
 * exactly in O(log limit): it enters when it beats the last word, which then leaves. A falling count of a listed word
 * (or a deleted word) is exact too while no word was ever left out; once one was, a word left out may now belong in
 * the list and only the whole set of counts can say which: {@link #needsRebuild()} turns true until
 * {@link #rebuild} is given them. (Word counts only rise; the case is there so that the list is never wrong.)
 *
 * <p>Not thread-safe: one owner (a stream task) updates it.
 */
final class TopWords {

    private final int limit;
    private final TreeSet<WordCount> ordered = new TreeSet<>(WordCount.TOP_ORDER);
    private final Map<String, WordCount> listed = new HashMap<>();
    private boolean leftOut;
    private boolean stale;

    TopWords(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        this.limit = limit;
    }

    /**
     * Applies a word's new count ({@code null}: the word is gone).
     *
     * @return whether the list changed
     */
    boolean update(String word, Long count) {
        WordCount before = listed.get(word);
        if (count == null) {
            if (before == null) {
                return false;
            }
            remove(before);
            stale |= leftOut;
            return true;
        }
        WordCount now = new WordCount(word, count);
        if (before != null) {
            if (before.count() == count) {
                return false;
            }
            remove(before);
            add(now);
            // A listed word that fell to the end may now rank below a word that was left out.
            stale |= leftOut && count < before.count() && ordered.last() == now;
            return true;
        }
        if (ordered.size() < limit) {
            add(now);
            return true;
        }
        leftOut = true;
        WordCount last = ordered.last();
        if (WordCount.TOP_ORDER.compare(now, last) >= 0) {
            return false;
        }
        remove(last);
        add(now);
        return true;
    }

    /** Whether a fall of a listed count may have let a word that was left out belong in the list: see {@link #rebuild}. */
    boolean needsRebuild() {
        return stale;
    }

    /** Starts over from every count of the set. */
    void rebuild(Iterable<WordCount> all) {
        ordered.clear();
        listed.clear();
        leftOut = false;
        stale = false;
        for (WordCount word : all) {
            update(word.word(), word.count());
        }
    }

    /** The list, in {@link WordCount#TOP_ORDER}. */
    List<WordCount> list() {
        return new ArrayList<>(ordered);
    }

    private void add(WordCount word) {
        ordered.add(word);
        listed.put(word.word(), word);
    }

    private void remove(WordCount word) {
        ordered.remove(word);
        listed.remove(word.word());
    }
}
