package dev.pulse.drills;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Pulse must produce for what a drill sent, worked out by the drill from the contract, without Pulse's code:
 * one transform output per valid {@code input-topic} record, word totals, category count and sum, the temperature
 * alert state machine (RAISED strictly above 50 °C, CLEARED strictly below 45 °C), the four fraud rules with their
 * default limits, event counts per type and window, each user's session, the top pages, home clicks per user, one
 * enriched click and purchase each, one click→purchase match per buyer, the thresholds held in Redis, and one dead
 * letter per invalid record (known by where the broker put it).
 */
final class Expected {

    static final double THRESHOLD = 50;
    static final double HYSTERESIS = 5;
    static final double LARGE_AMOUNT = 10_000;
    static final int VELOCITY_COUNT = 5;
    static final long VELOCITY_WINDOW_MS = 60_000;
    static final double SPIKE_FACTOR = 5;
    static final int SPIKE_MIN_TRANSACTIONS = 5;
    static final long TRAVEL_WINDOW_MS = 3_600_000;

    /** A dead letter to expect: the invalid record's coordinates, size and kind. */
    record Letter(String topic, int partition, long offset, int size, String kind) {
        String coordinates() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    record Stats(long count, double sum) {
    }

    private record Seen(String id, long ts, String country) {
    }

    private static final class Card {
        final List<Seen> history = new ArrayList<>();
        double sum;
        Seen last;
    }

    final Set<String> outputIds = new LinkedHashSet<>();
    final Map<String, Long> outputValues = new HashMap<>();
    final Map<String, Long> wordTotals = new LinkedHashMap<>();
    final Map<String, Stats> categories = new LinkedHashMap<>();
    final Set<String> temperatureAlerts = new LinkedHashSet<>();
    final Set<String> fraudAlerts = new LinkedHashSet<>();
    final Map<String, Long> eventCounts = new LinkedHashMap<>();
    final Map<String, Long> homeClicks = new LinkedHashMap<>();
    final Set<String> enrichedClicks = new LinkedHashSet<>();
    final Set<String> enrichedPurchases = new LinkedHashSet<>();
    /** The users with one click→purchase match each. */
    final Set<String> clickPurchases = new LinkedHashSet<>();
    /** Clicks per user: each user's clicks fall in one session. */
    final Map<String, Long> sessions = new LinkedHashMap<>();
    /** Page views per window start (epoch seconds, as text) and page. */
    final Map<String, Map<String, Long>> pageViews = new LinkedHashMap<>();
    final Map<String, double[]> thresholds = new LinkedHashMap<>();
    final Map<String, Letter> deadLetters = new LinkedHashMap<>();
    private final Map<String, String> openAlerts = new HashMap<>();
    private final Map<String, Card> cards = new HashMap<>();

    synchronized void record(String id, String category, long value) {
        outputIds.add(id);
        outputValues.put(id, value);
        Stats s = categories.getOrDefault(category, new Stats(0, 0));
        categories.put(category, new Stats(s.count() + 1, s.sum() + value));
    }

    synchronized void words(List<String> words) {
        words.forEach(w -> wordTotals.merge(w, 1L, Long::sum));
    }

    synchronized void reading(String device, double celsius, long timeMs) {
        String open = openAlerts.get(device);
        if (open == null && celsius > THRESHOLD) {
            String id = "temp-" + device + "-" + timeMs;
            openAlerts.put(device, id);
            temperatureAlerts.add(id + "/RAISED");
        } else if (open != null && celsius < THRESHOLD - HYSTERESIS) {
            openAlerts.remove(device);
            temperatureAlerts.add(open + "/CLEARED");
        }
    }

    /** The contract's fraud rules, each checked against the card's history before the transaction joins it. */
    synchronized void transaction(String cardId, String id, double amount, String country, long ts) {
        Card card = cards.computeIfAbsent(cardId, c -> new Card());
        if (amount > LARGE_AMOUNT) {
            fraudAlerts.add("fraud-LARGE_AMOUNT-" + id);
        }
        long inWindow = card.history.stream().filter(s -> s.ts() > ts - VELOCITY_WINDOW_MS && s.ts() <= ts).count() + 1;
        if (inWindow > VELOCITY_COUNT) {
            fraudAlerts.add("fraud-VELOCITY-" + id);
        }
        int previous = card.history.size();
        if (previous >= SPIKE_MIN_TRANSACTIONS && amount > SPIKE_FACTOR * (card.sum / previous)) {
            fraudAlerts.add("fraud-AMOUNT_SPIKE-" + id);
        }
        if (card.last != null && Math.abs(ts - card.last.ts()) <= TRAVEL_WINDOW_MS
            && !card.last.country().equals(country)) {
            fraudAlerts.add("fraud-IMPOSSIBLE_TRAVEL-" + id);
        }
        Seen seen = new Seen(id, ts, country);
        card.history.add(seen);
        card.sum += amount;
        if (card.last == null || ts >= card.last.ts()) {
            card.last = seen;
        }
    }

    /** @param windowStartSeconds the start of the event's 5-minute window, which is also that of its minute */
    synchronized void userEvent(String type, String userId, String page, long windowStartSeconds) {
        eventCounts.merge(type + "@" + windowStartSeconds * 1000, 1L, Long::sum);
        if (type.equals("page_view")) {
            pageViews.computeIfAbsent(Long.toString(windowStartSeconds), w -> new HashMap<>()).merge(page, 1L, Long::sum);
        }
    }

    /** The top pages of each window, as Pulse writes them: most views first, ties by page name, at most 10. */
    synchronized Map<String, List<Map<String, Object>>> topPages() {
        Map<String, List<Map<String, Object>>> top = new LinkedHashMap<>();
        pageViews.forEach((window, views) -> top.put(window, views.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(10)
            .map(e -> Map.<String, Object>of("page", e.getKey(), "views", e.getValue()))
            .toList()));
        return top;
    }

    synchronized void click(String user, boolean home, String seq) {
        if (home) {
            homeClicks.merge(user, 1L, Long::sum);
        }
        enrichedClicks.add(seq);
        sessions.merge(user, 1L, Long::sum);
    }

    synchronized void purchase(String seq, String user) {
        enrichedPurchases.add(seq);
        clickPurchases.add(user);
    }

    synchronized void threshold(String device, double threshold, double hysteresis) {
        thresholds.put(device, new double[] {threshold, hysteresis});
    }

    synchronized void deadLetter(Letter letter) {
        deadLetters.put(letter.coordinates(), letter);
    }

    /** How many outputs of each kind are expected, for the summary. */
    synchronized Map<String, Object> sizes() {
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("output-topic", outputIds.size());
        sizes.put("word-totals (words)", wordTotals.size());
        sizes.put("words counted", wordTotals.values().stream().mapToLong(Long::longValue).sum());
        sizes.put("aggregated-topic (categories)", categories.size());
        sizes.put("temperature-alerts", temperatureAlerts.size());
        sizes.put("fraud-alerts", fraudAlerts.size());
        sizes.put("event-counts (keys)", eventCounts.size());
        sizes.put("click-counts (users)", homeClicks.size());
        sizes.put("enriched-clicks", enrichedClicks.size());
        sizes.put("enriched-purchases", enrichedPurchases.size());
        sizes.put("click-purchases", clickPurchases.size());
        sizes.put("user-sessions (users)", sessions.size());
        sizes.put("top-pages (windows)", pageViews.size());
        sizes.put("thresholds in Redis", thresholds.size());
        sizes.put("dead-letter-queue", deadLetters.size());
        return sizes;
    }
}
