package dev.pulse.drills;

import dev.pulse.deadletters.DeadLetter;
import dev.pulse.drills.OutputTail.Out;
import dev.pulse.kafka.Topics;
import io.micronaut.serde.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Compares what a {@code read_committed} reader saw on the output topics (and what Redis holds for the thresholds)
 * with {@link Expected}: nothing missing, nothing twice, nothing unexpected. Reads the tail incrementally, so it can be
 * asked again and again while a drill waits for Pulse to catch up.
 */
final class OutputCheck {

    static final List<String> TOPICS = List.of(Topics.OUTPUT_TOPIC, Topics.WORD_TOTALS, Topics.AGGREGATED_TOPIC,
        Topics.TEMPERATURE_ALERTS, Topics.FRAUD_ALERTS, Topics.EVENT_COUNTS, Topics.USER_SESSIONS, Topics.TOP_PAGES,
        Topics.CLICK_COUNTS, Topics.ENRICHED_CLICKS, Topics.ENRICHED_PURCHASES, Topics.CLICK_PURCHASES,
        Topics.DEAD_LETTER_QUEUE);

    private static final ObjectMapper JSON = ObjectMapper.getDefault();

    private final OutputTail tail;
    private final Expected expected;
    private final Function<String, String> redis;
    private final Map<String, Integer> read = new HashMap<>();

    private final Map<String, Integer> outputIds = new HashMap<>();
    private final List<String> outputErrors = new ArrayList<>();
    private final Map<String, String> wordTotals = new HashMap<>();
    private final Map<String, Map<String, Object>> categories = new HashMap<>();
    private final Map<String, Integer> temperatureAlerts = new HashMap<>();
    private final Map<String, Integer> fraudAlerts = new HashMap<>();
    private final Map<String, String> eventCounts = new HashMap<>();
    private final Map<String, String> clickCounts = new HashMap<>();
    private final Map<String, Integer> enrichedClicks = new HashMap<>();
    private final Map<String, Integer> enrichedPurchases = new HashMap<>();
    private final Map<String, Integer> clickPurchases = new HashMap<>();
    private final Map<String, String> sessions = new HashMap<>();
    private final Map<String, List<String>> topPages = new HashMap<>();
    private final Map<String, Integer> deadLetters = new HashMap<>();
    private final List<String> deadLetterErrors = new ArrayList<>();
    private final Map<String, Long> checked = new LinkedHashMap<>();

    /** @param redis reads a Redis string key (null when absent) */
    OutputCheck(OutputTail tail, Expected expected, Function<String, String> redis) {
        this.tail = tail;
        this.expected = expected;
        this.redis = redis;
    }

    /**
     * Every difference, per output (empty when all match).
     *
     * @param withRedis also compare the thresholds held in Redis
     */
    Map<String, List<String>> differences(boolean withRedis) {
        Map<String, List<String>> differences = new LinkedHashMap<>();
        synchronized (expected) {
            readNew();
            diff(differences, Topics.OUTPUT_TOPIC, counted(outputIds, expected.outputIds));
            differences.get(Topics.OUTPUT_TOPIC).addAll(outputErrors);
            diff(differences, Topics.WORD_TOTALS, latest(wordTotals, expected.wordTotals));
            List<String> categoryDiff = new ArrayList<>();
            for (Map.Entry<String, Expected.Stats> category : expected.categories.entrySet()) {
                Map<String, Object> seen = categories.get(category.getKey());
                Expected.Stats want = category.getValue();
                if (seen == null || ((Number) seen.get("count")).longValue() != want.count()
                    || ((Number) seen.get("sum")).doubleValue() != want.sum()) {
                    categoryDiff.add(category.getKey() + ": expected count " + want.count() + " sum "
                        + Traffic.number(want.sum()) + ", latest " + (seen == null ? "none" : "count " + seen.get("count")
                        + " sum " + seen.get("sum")));
                }
            }
            for (String category : categories.keySet()) {
                if (!expected.categories.containsKey(category)) {
                    categoryDiff.add(category + ": not expected");
                }
            }
            diff(differences, Topics.AGGREGATED_TOPIC, categoryDiff);
            diff(differences, Topics.TEMPERATURE_ALERTS, counted(temperatureAlerts, expected.temperatureAlerts));
            diff(differences, Topics.FRAUD_ALERTS, counted(fraudAlerts, expected.fraudAlerts));
            diff(differences, Topics.EVENT_COUNTS, latest(eventCounts, expected.eventCounts));
            diff(differences, Topics.USER_SESSIONS, latest(sessions, expected.sessions));
            List<String> pages = new ArrayList<>();
            Map<String, List<String>> wantPages = new HashMap<>();
            expected.topPages().forEach((window, top) -> wantPages.put(window, top.stream()
                .map(p -> p.get("page") + "=" + p.get("views")).toList()));
            wantPages.forEach((window, want) -> {
                if (!want.equals(topPages.get(window))) {
                    pages.add("window " + window + ": expected " + want + ", latest " + topPages.get(window));
                }
            });
            topPages.keySet().stream().filter(w -> !wantPages.containsKey(w)).forEach(w -> pages.add("window " + w
                + ": not expected"));
            diff(differences, Topics.TOP_PAGES, pages);
            diff(differences, Topics.CLICK_COUNTS, latest(clickCounts, expected.homeClicks));
            diff(differences, Topics.ENRICHED_CLICKS, counted(enrichedClicks, expected.enrichedClicks));
            diff(differences, Topics.ENRICHED_PURCHASES, counted(enrichedPurchases, expected.enrichedPurchases));
            diff(differences, Topics.CLICK_PURCHASES, counted(clickPurchases, expected.clickPurchases));
            List<String> letters = counted(deadLetters, expected.deadLetters.keySet());
            Map<String, Integer> missing = new TreeMap<>();
            expected.deadLetters.values().stream().filter(letter -> !deadLetters.containsKey(letter.coordinates()))
                .forEach(letter -> missing.merge(letter.topic() + " / " + letter.kind(), 1, Integer::sum));
            if (!missing.isEmpty()) {
                letters.add(0, "missing per source topic and kind: " + missing);
            }
            letters.addAll(deadLetterErrors);
            diff(differences, Topics.DEAD_LETTER_QUEUE, letters);
            if (withRedis) {
                List<String> thresholds = new ArrayList<>();
                expected.thresholds.forEach((device, want) -> {
                    String held = redis.apply("pulse:temperature:threshold:" + device);
                    Map<String, Object> value = held == null ? null : map(held);
                    if (value == null || ((Number) value.get("threshold")).doubleValue() != want[0]
                        || ((Number) value.get("hysteresis")).doubleValue() != want[1]) {
                        thresholds.add(device + ": expected " + Traffic.number(want[0]) + "/" + want[1] + ", Redis has "
                            + held);
                    }
                });
                diff(differences, "thresholds (Redis)", thresholds);
            }
        }
        return differences;
    }

    /** Whether every output matches. */
    boolean matches(boolean withRedis) {
        return differences(withRedis).values().stream().allMatch(List::isEmpty);
    }

    /** Records read per output topic. */
    Map<String, Long> checked() {
        synchronized (expected) {
            readNew();
            return new LinkedHashMap<>(checked);
        }
    }

    /** The differences, shortened for a message: at most {@code perOutput} lines per output. */
    static String describe(Map<String, List<String>> differences, int perOutput) {
        StringBuilder text = new StringBuilder();
        differences.forEach((output, lines) -> {
            if (!lines.isEmpty()) {
                text.append("\n  ").append(output).append(": ").append(lines.size()).append(" difference(s)");
                lines.stream().limit(perOutput).forEach(line -> text.append("\n    ").append(line));
            }
        });
        return text.length() == 0 ? "none" : text.toString();
    }

    private void readNew() {
        for (String topic : TOPICS) {
            List<Out> records = tail.records(topic);
            int from = read.getOrDefault(topic, 0);
            for (Out out : records.subList(from, records.size())) {
                take(out);
            }
            read.put(topic, records.size());
            checked.put(topic, (long) records.size());
        }
    }

    private void take(Out out) {
        switch (out.topic()) {
            case Topics.OUTPUT_TOPIC -> {
                Map<String, Object> value = map(out.value());
                String id = String.valueOf(value.get("id"));
                outputIds.merge(id, 1, Integer::sum);
                Long input = expected.outputValues.get(id);
                Object processed = value.get("processed_value");
                if (input != null && (!(processed instanceof Number n) || n.longValue() != 2 * input)) {
                    outputErrors.add(id + ": processed_value " + processed + " for value " + input);
                }
            }
            case Topics.WORD_TOTALS -> wordTotals.put(out.key(), out.value());
            case Topics.AGGREGATED_TOPIC -> categories.put(out.key(), map(out.value()));
            case Topics.TEMPERATURE_ALERTS -> {
                Map<String, Object> alert = map(out.value());
                temperatureAlerts.merge(alert.get("alert_id") + "/" + alert.get("state"), 1, Integer::sum);
            }
            case Topics.FRAUD_ALERTS -> fraudAlerts.merge(String.valueOf(map(out.value()).get("alert_id")), 1, Integer::sum);
            case Topics.EVENT_COUNTS -> eventCounts.put(out.key(), out.value());
            case Topics.USER_SESSIONS -> sessions.put(out.key(), String.valueOf(map(out.value()).get("events")));
            case Topics.TOP_PAGES -> {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> top = (List<Map<String, Object>>) map(out.value()).get("pages");
                topPages.put(out.key(), top.stream().map(p -> p.get("page") + "=" + p.get("views")).toList());
            }
            case Topics.CLICK_PURCHASES -> clickPurchases.merge(out.key(), 1, Integer::sum);
            case Topics.CLICK_COUNTS -> clickCounts.put(out.key(), out.value());
            case Topics.ENRICHED_CLICKS -> enrichedClicks.merge(String.valueOf(map(out.value()).get("seq")), 1, Integer::sum);
            case Topics.ENRICHED_PURCHASES ->
                enrichedPurchases.merge(String.valueOf(map(out.value()).get("seq")), 1, Integer::sum);
            case Topics.DEAD_LETTER_QUEUE -> deadLetter(out);
            default -> throw new IllegalArgumentException(out.topic());
        }
    }

    private void deadLetter(Out out) {
        Map<String, Object> letter = map(out.value());
        String coordinates = letter.get("source_topic") + "-" + letter.get("partition") + "@" + letter.get("offset");
        deadLetters.merge(coordinates, 1, Integer::sum);
        Expected.Letter sent;
        synchronized (expected) {
            sent = expected.deadLetters.get(coordinates);
        }
        Object error = letter.get("error");
        if (!(error instanceof String reason) || reason.isBlank()) {
            deadLetterErrors.add(coordinates + ": no reason");
        }
        if (out.headers().get(DeadLetter.HEADER_ERROR) == null) {
            deadLetterErrors.add(coordinates + ": no " + DeadLetter.HEADER_ERROR + " header");
        }
        if (sent != null) {
            int size = ((Number) letter.get("original_size")).intValue();
            boolean truncated = Boolean.TRUE.equals(letter.get("truncated"));
            if (size != sent.size() || truncated != sent.size() > DeadLetter.DEFAULT_MAX_VALUE_BYTES) {
                deadLetterErrors.add(coordinates + " (" + sent.kind() + "): original_size " + size + ", truncated "
                    + truncated + " for a value of " + sent.size() + " bytes");
            }
        }
    }

    private static void diff(Map<String, List<String>> differences, String output, List<String> lines) {
        differences.put(output, lines);
    }

    /** Each expected item exactly once, nothing else. */
    private static List<String> counted(Map<String, Integer> seen, Set<String> want) {
        List<String> lines = new ArrayList<>();
        int missing = 0;
        for (String item : want) {
            int n = seen.getOrDefault(item, 0);
            if (n == 0) {
                missing++;
                if (missing <= 20) {
                    lines.add("missing " + item);
                }
            } else if (n > 1) {
                lines.add(n + " times " + item);
            }
        }
        if (missing > 20) {
            lines.add("… " + (missing - 20) + " more missing (" + missing + " of " + want.size() + ")");
        }
        Set<String> unexpected = new TreeSet<>(seen.keySet());
        unexpected.removeAll(want);
        unexpected.stream().limit(20).forEach(item -> lines.add("unexpected " + item + " (" + seen.get(item) + "×)"));
        return lines;
    }

    private static List<String> latest(Map<String, String> seen, Map<String, Long> want) {
        List<String> lines = new ArrayList<>();
        want.forEach((key, count) -> {
            String latest = seen.get(key);
            if (latest == null || Long.parseLong(latest.trim()) != count) {
                lines.add(key + ": expected " + count + ", latest " + latest);
            }
        });
        for (String key : seen.keySet()) {
            if (!want.containsKey(key)) {
                lines.add(key + ": not expected (latest " + seen.get(key) + ")");
            }
        }
        return lines;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
