package dev.pulse.dashboard;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The near cache's rules of when an answer is current, without Kafka or Redis. */
class NearCacheTest {

    private static final Duration TTL = Duration.ofMinutes(1);

    private static NearCache following() {
        NearCache near = new NearCache(1 << 20, TTL);
        near.following(true);
        return near;
    }

    @Test
    void servesAnAnswerUntilItsGroupChanges() {
        NearCache near = following();
        near.put("word:a", "count", near.stamp("word:a"), "{\"count\":1}");
        assertEquals("{\"count\":1}", near.get("word:a", "count"));
        assertEquals("{\"count\":1}", near.get("word:a", "count"), "a hit does not use the answer up");

        near.changed(List.of("word:a"));
        assertNull(near.get("word:a", "count"), "a change this instance has seen ends the answer");
    }

    @Test
    void anAnswerStampedBeforeAChangeIsNeverServedAfterIt() {
        NearCache near = following();
        NearCache.Stamp stamp = near.stamp("categories");
        // The answer is computed from the stores (before the change), then the feed sees the change, then it is stored.
        near.changed(List.of("categories"));
        near.put("categories", "all", stamp, "{\"before\":true}");
        assertNull(near.get("categories", "all"));
        assertFalse(near.current(stamp));
    }

    @Test
    void anAnswerStoredBeforeTheChangeIsDroppedByIt() {
        NearCache near = following();
        NearCache.Stamp stamp = near.stamp("devices");
        near.put("devices", "all", stamp, "{\"before\":true}");
        near.changed(List.of("devices"));
        assertNull(near.get("devices", "all"));
        near.put("devices", "all", near.stamp("devices"), "{\"after\":true}");
        assertEquals("{\"after\":true}", near.get("devices", "all"), "a stamp taken after the change stores a current one");
    }

    @Test
    void anOfferKeepsACurrentAnswerReplacesAnOutOfDateOneAndAddsNone() {
        NearCache near = following();
        near.changed(List.of("word:a"));
        // A read computed the count from the stores after the change (they already hold the next commit's 6) ...
        near.put("word:a", "count", near.stamp("word:a"), "{\"count\":6}");
        // ... then the feed offers the count the change's record carried: the read's answer stays.
        near.offer("word:a", "count", near.stamp("word:a"), () -> "{\"count\":5}");
        assertEquals("{\"count\":6}", near.get("word:a", "count"), "an answer never goes back");

        near.changed(List.of("word:a"));
        near.offer("word:a", "count", near.stamp("word:a"), () -> "{\"count\":7}");
        assertEquals("{\"count\":7}", near.get("word:a", "count"), "an out-of-date answer is replaced");

        NearCache.Stamp before = near.stamp("word:a");
        near.changed(List.of("word:a"));
        near.offer("word:a", "count", before, () -> "{\"count\":7}");
        assertNull(near.get("word:a", "count"), "an offer stamped before a change keeps nothing");
        near.offer("word:b", "count", near.stamp("word:b"), () -> {
            throw new AssertionError("an answer built for a key no read has put near");
        });
        assertNull(near.get("word:b", "count"), "nothing kept yet: the offer keeps nothing");
        near.put("word:b", "count", near.stamp("word:b"), "{\"count\":1}");
        near.changed(List.of("word:b"));
        near.offer("word:b", "count", near.stamp("word:b"), () -> "{\"count\":2}");
        assertEquals("{\"count\":2}", near.get("word:b", "count"), "once read, the key's offers are kept");
    }

    @Test
    void aChangeOfAnotherGroupLeavesTheAnswer() {
        NearCache near = following();
        String group = "word:a";
        String other = otherStripe(near, group);
        near.put(group, "count", near.stamp(group), "{\"count\":1}");
        near.changed(List.of(other));
        assertEquals("{\"count\":1}", near.get(group, "count"));
    }

    @Test
    void servesAndStoresNothingUntilTheFeedFollows() {
        NearCache near = new NearCache(1 << 20, TTL);
        assertNull(near.stamp("word:a"), "no stamp, so nothing is stored");
        near.put("word:a", "count", null, "{\"count\":1}");
        assertNull(near.get("word:a", "count"));
    }

    @Test
    void eachAssignmentOfTheFeedDropsEverything() {
        NearCache near = following();
        near.put("word:a", "count", near.stamp("word:a"), "{\"count\":1}");
        NearCache.Stamp beforeRebalance = near.stamp("word:b");

        near.following(false);
        assertNull(near.get("word:a", "count"), "nothing is served while the feed holds no partitions");
        near.put("word:b", "count", beforeRebalance, "{\"count\":2}");
        near.following(true);

        assertNull(near.get("word:a", "count"), "changes may have gone unseen between revocation and assignment");
        assertNull(near.get("word:b", "count"), "an answer stamped before the assignment is not stored");
        near.put("word:b", "count", beforeRebalance, "{\"count\":2}");
        assertNull(near.get("word:b", "count"), "nor afterwards");
    }

    @Test
    void anInvalidationOfEverythingEndsAnswersStampedBeforeIt() {
        NearCache near = following();
        NearCache.Stamp stamp = near.stamp("word:a");
        near.invalidateAll();
        near.put("word:a", "count", stamp, "{\"count\":1}");
        assertNull(near.get("word:a", "count"));
    }

    @Test
    void keepsNoMoreThanItsSizeAllows() {
        NearCache near = new NearCache(64 * 1024, TTL);
        near.following(true);
        String body = "x".repeat(1_000);
        for (int i = 0; i < 1_000; i++) {
            near.put("word:" + i, "count", near.stamp("word:" + i), body);
        }
        long kept = near.size();
        assertTrue(kept > 0 && kept <= 64, kept + " entries of about 1.1 KB in 64 KB");
    }

    @Test
    void aSizeOfZeroTurnsItOff() {
        NearCache near = new NearCache(0, TTL);
        near.following(true);
        assertFalse(near.enabled());
        assertNull(near.stamp("word:a"));
        assertNull(near.get("word:a", "count"));
    }

    @Test
    void everyBumpChangesTheGroupsVersion() {
        NearCache near = following();
        long before = near.version("word:a");
        near.changed(List.of("word:a"));
        assertNotEquals(before, near.version("word:a"));
    }

    private static String otherStripe(NearCache near, String group) {
        for (int i = 0; ; i++) {
            String other = "word:other-" + i;
            long before = near.version(group);
            near.changed(List.of(other));
            if (near.version(group) == before) {
                return other;
            }
        }
    }
}
