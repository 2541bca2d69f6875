package dev.pulse.dashboard;

import dev.pulse.aggregates.Stats;
import dev.pulse.events.WireTime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shapes every dashboard answer shares: {@code items} lists, {@code as_of}, times in epoch seconds. */
final class Answers {

    private Answers() {
    }

    /** {@code {"items": […], "as_of": now}}. */
    static Map<String, Object> items(List<?> items) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("items", items);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }

    /** {@code {k1: v1, k2: v2, "as_of": now}}. */
    static Map<String, Object> answer(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> answer = ordered(k1, v1, k2, v2);
        answer.put("as_of", System.currentTimeMillis());
        return answer;
    }

    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** Count, sum, average, min, max (min and max null for an empty one), after {@code keyName: key} when given. */
    static Map<String, Object> statsItem(String keyName, String key, Stats stats) {
        Map<String, Object> item = new LinkedHashMap<>();
        if (keyName != null) {
            item.put(keyName, key);
        }
        item.put("count", stats.count());
        item.put("sum", stats.sum());
        item.put("average", stats.average());
        item.put("min", stats.count() == 0 ? null : stats.min());
        item.put("max", stats.count() == 0 ? null : stats.max());
        return item;
    }

    /** The first {@code n} items, largest {@code by} first, ties by {@code tie}. */
    static List<Map<String, Object>> top(List<Map<String, Object>> items, String by, String tie, int n) {
        items.sort(Comparator.comparingDouble((Map<String, Object> i) -> -number(i, by))
            .thenComparing(i -> (String) i.get(tie)));
        return new ArrayList<>(items.subList(0, Math.min(n, items.size())));
    }

    static double number(Map<String, Object> item, String field) {
        return ((Number) item.get(field)).doubleValue();
    }

    static Number seconds(long millis) {
        return WireTime.epochSeconds(millis);
    }

    static Instant millis(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds);
    }
}
