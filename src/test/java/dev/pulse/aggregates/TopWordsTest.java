package dev.pulse.aggregates;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TopWords}: the incremental top list against a sort of all counts. */
class TopWordsTest {

    @Test
    void listsTheLargerCountFirstAndTiesByWord() {
        TopWords top = new TopWords(10);
        top.update("pear", 2L);
        top.update("apple", 2L);
        top.update("zebra", 5L);
        top.update("fig", 1L);

        assertEquals(List.of(w("zebra", 5), w("apple", 2), w("pear", 2), w("fig", 1)), top.list());
    }

    @Test
    void aRisingWordTakesTheLastPlaceOnlyWhenItRanksBeforeTheLastWord() {
        TopWords top = new TopWords(2);
        top.update("a", 3L);
        top.update("m", 2L);

        assertFalse(top.update("z", 2L), "a tie with the last word enters only when its word sorts first");
        assertEquals(List.of(w("a", 3), w("m", 2)), top.list());
        assertTrue(top.update("b", 2L), "b ties with m and sorts first: m leaves");
        assertEquals(List.of(w("a", 3), w("b", 2)), top.list());
        assertTrue(top.update("z", 3L), "z, left out at 2, enters by its own rise");
        assertEquals(List.of(w("a", 3), w("z", 3)), top.list());
        assertFalse(top.needsRebuild());
    }

    @Test
    void aRepeatedCountChangesNothing() {
        TopWords top = new TopWords(2);
        top.update("a", 3L);

        assertFalse(top.update("a", 3L));
    }

    @Test
    void fallsAndDeletionsAreExactWhileNoWordWasLeftOut() {
        TopWords top = new TopWords(3);
        top.update("a", 5L);
        top.update("b", 4L);
        top.update("c", 3L);

        assertTrue(top.update("a", 1L));
        assertTrue(top.update("b", null));
        assertEquals(List.of(w("c", 3), w("a", 1)), top.list());
        assertFalse(top.needsRebuild(), "no word was ever left out: the list holds them all");
    }

    @Test
    void aFallToTheEndAfterAWordWasLeftOutAsksForTheWholeSet() {
        TopWords top = new TopWords(2);
        Map<String, Long> all = new HashMap<>(Map.of("a", 5L, "b", 4L, "c", 3L));
        all.forEach(top::update);
        assertEquals(List.of(w("a", 5), w("b", 4)), top.list());

        top.update("a", 4L);
        assertFalse(top.needsRebuild(), "a still ranks before b, which ranks before every word left out");
        top.update("a", 1L);
        all.put("a", 1L);
        assertTrue(top.needsRebuild(), "c, left out, now ranks before a");

        top.rebuild(all.entrySet().stream().map(e -> w(e.getKey(), e.getValue())).toList());
        assertEquals(List.of(w("b", 4), w("c", 3)), top.list());
        assertFalse(top.needsRebuild());
    }

    @Test
    void aDeletedWordAfterAWordWasLeftOutAsksForTheWholeSet() {
        TopWords top = new TopWords(1);
        top.update("a", 2L);
        top.update("b", 1L);

        top.update("a", null);

        assertTrue(top.needsRebuild());
    }

    @Test
    void equalsASortOfAllCountsAfterEveryChangeOfRandomCounts() {
        Random random = new Random(15);
        for (int run = 0; run < 200; run++) {
            int limit = 1 + random.nextInt(8);
            TopWords top = new TopWords(limit);
            Map<String, Long> all = new HashMap<>();
            for (int change = 0; change < 300; change++) {
                String word = "w" + random.nextInt(20);
                int kind = random.nextInt(20);
                Long count;
                if (kind == 0) {
                    count = null; // deleted
                } else if (kind == 1) {
                    count = (long) random.nextInt(5); // any value, a fall included
                } else {
                    count = all.getOrDefault(word, 0L) + 1; // what a count does
                }
                if (count == null) {
                    all.remove(word);
                } else {
                    all.put(word, count);
                }
                top.update(word, count);
                if (top.needsRebuild()) {
                    top.rebuild(all.entrySet().stream().map(e -> w(e.getKey(), e.getValue())).toList());
                }
                assertEquals(sortedTop(all, limit), top.list(), "run " + run + ", change " + change);
            }
        }
    }

    private static List<WordCount> sortedTop(Map<String, Long> all, int limit) {
        List<WordCount> sorted = new ArrayList<>(all.entrySet().stream().map(e -> w(e.getKey(), e.getValue())).toList());
        sorted.sort(WordCount.TOP_ORDER);
        return sorted.subList(0, Math.min(limit, sorted.size()));
    }

    private static WordCount w(String word, long count) {
        return new WordCount(word, count);
    }
}
