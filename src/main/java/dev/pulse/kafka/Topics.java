package dev.pulse.kafka;

import java.util.List;
import java.util.Map;

/**
 * The topic names of the wire contract ({@code shared/CONTRACT.md}), defined once.
 *
 * <p>Each name is the default; {@code pulse.topics.<default-name>} overrides it (for instance
 * {@code PULSE_TOPICS_WORD_COUNTS=words-v2}). Annotations take the {@code *_PROPERTY} forms, which
 * resolve the override at start-up; code resolves names through {@link TopicNames}.
 */
public final class Topics {

    // Inputs.
    public static final String WORD_COUNTS = "word-counts";
    public static final String REAL_TIME_DATA = "real-time-data";
    public static final String DEVICE_THRESHOLDS = "device-thresholds";
    public static final String INPUT_TOPIC = "input-topic";
    public static final String USER_EVENTS = "user-events";
    public static final String USER_CLICKS = "user-clicks";
    public static final String PURCHASES = "purchases";
    public static final String USER_PROFILES = "user-profiles";
    public static final String PRODUCT_CATALOG = "product-catalog";
    public static final String TRANSACTIONS = "transactions";

    // Outputs.
    public static final String OUTPUT_TOPIC = "output-topic";
    public static final String AGGREGATED_TOPIC = "aggregated-topic";
    public static final String WINDOWED_AGGREGATES = "windowed-aggregates";
    public static final String EVENT_COUNTS = "event-counts";
    public static final String CLICK_COUNTS = "click-counts";
    public static final String TOP_PAGES = "top-pages";
    public static final String WORD_TOTALS = "word-totals";
    public static final String ENRICHED_CLICKS = "enriched-clicks";
    public static final String ENRICHED_PURCHASES = "enriched-purchases";
    public static final String CLICK_PURCHASES = "click-purchases";
    public static final String USER_SESSIONS = "user-sessions";
    public static final String DEVICE_AVERAGES = "device-averages";
    public static final String TEMPERATURE_ALERTS = "temperature-alerts";
    public static final String FRAUD_ALERTS = "fraud-alerts";
    public static final String DEAD_LETTER_QUEUE = "dead-letter-queue";

    // Pulse's own.
    /** Which dead letters have been replayed, keyed by their coordinates; written only with the replays themselves. */
    public static final String DEAD_LETTER_REPLAYS = "dead-letter-replays";
    /**
     * Each partition's top words of {@code word-totals}, keyed by the partition; compacted. What the dashboard's top
     * words merge. Named after {@code word-totals} ({@link #NAMED_AFTER}).
     */
    public static final String WORD_TOTALS_TOP = "word-totals-top";
    /**
     * Each partition's categories with their stats of {@code aggregated-topic}, keyed by the partition; compacted. What
     * the dashboard's categories merge. Named after {@code aggregated-topic} ({@link #NAMED_AFTER}).
     */
    public static final String AGGREGATED_TOPIC_CATEGORIES = "aggregated-topic-categories";
    /**
     * Each partition's newest window of {@code top-pages} with its top 1,000 pages, keyed by the partition; compacted.
     * What the dashboard's top pages take the newest of. Named after {@code top-pages} ({@link #NAMED_AFTER}).
     */
    public static final String TOP_PAGES_LATEST = "top-pages-latest";

    private static final String PREFIX = "${pulse.topics.";

    // Placeholders for annotation members, which need compile-time constants.
    public static final String WORD_COUNTS_PROPERTY = PREFIX + WORD_COUNTS + ":" + WORD_COUNTS + "}";
    public static final String REAL_TIME_DATA_PROPERTY = PREFIX + REAL_TIME_DATA + ":" + REAL_TIME_DATA + "}";
    public static final String DEVICE_THRESHOLDS_PROPERTY = PREFIX + DEVICE_THRESHOLDS + ":" + DEVICE_THRESHOLDS + "}";
    public static final String INPUT_TOPIC_PROPERTY = PREFIX + INPUT_TOPIC + ":" + INPUT_TOPIC + "}";
    public static final String USER_EVENTS_PROPERTY = PREFIX + USER_EVENTS + ":" + USER_EVENTS + "}";
    public static final String USER_CLICKS_PROPERTY = PREFIX + USER_CLICKS + ":" + USER_CLICKS + "}";
    public static final String PURCHASES_PROPERTY = PREFIX + PURCHASES + ":" + PURCHASES + "}";
    public static final String USER_PROFILES_PROPERTY = PREFIX + USER_PROFILES + ":" + USER_PROFILES + "}";
    public static final String PRODUCT_CATALOG_PROPERTY = PREFIX + PRODUCT_CATALOG + ":" + PRODUCT_CATALOG + "}";
    public static final String TRANSACTIONS_PROPERTY = PREFIX + TRANSACTIONS + ":" + TRANSACTIONS + "}";
    public static final String OUTPUT_TOPIC_PROPERTY = PREFIX + OUTPUT_TOPIC + ":" + OUTPUT_TOPIC + "}";
    public static final String AGGREGATED_TOPIC_PROPERTY = PREFIX + AGGREGATED_TOPIC + ":" + AGGREGATED_TOPIC + "}";
    public static final String WINDOWED_AGGREGATES_PROPERTY = PREFIX + WINDOWED_AGGREGATES + ":" + WINDOWED_AGGREGATES + "}";
    public static final String EVENT_COUNTS_PROPERTY = PREFIX + EVENT_COUNTS + ":" + EVENT_COUNTS + "}";
    public static final String CLICK_COUNTS_PROPERTY = PREFIX + CLICK_COUNTS + ":" + CLICK_COUNTS + "}";
    public static final String TOP_PAGES_PROPERTY = PREFIX + TOP_PAGES + ":" + TOP_PAGES + "}";
    public static final String WORD_TOTALS_PROPERTY = PREFIX + WORD_TOTALS + ":" + WORD_TOTALS + "}";
    public static final String ENRICHED_CLICKS_PROPERTY = PREFIX + ENRICHED_CLICKS + ":" + ENRICHED_CLICKS + "}";
    public static final String CLICK_PURCHASES_PROPERTY = PREFIX + CLICK_PURCHASES + ":" + CLICK_PURCHASES + "}";
    public static final String USER_SESSIONS_PROPERTY = PREFIX + USER_SESSIONS + ":" + USER_SESSIONS + "}";
    public static final String DEVICE_AVERAGES_PROPERTY = PREFIX + DEVICE_AVERAGES + ":" + DEVICE_AVERAGES + "}";
    public static final String TEMPERATURE_ALERTS_PROPERTY = PREFIX + TEMPERATURE_ALERTS + ":" + TEMPERATURE_ALERTS + "}";
    public static final String FRAUD_ALERTS_PROPERTY = PREFIX + FRAUD_ALERTS + ":" + FRAUD_ALERTS + "}";
    public static final String DEAD_LETTER_QUEUE_PROPERTY = PREFIX + DEAD_LETTER_QUEUE + ":" + DEAD_LETTER_QUEUE + "}";
    public static final String DEAD_LETTER_REPLAYS_PROPERTY = PREFIX + DEAD_LETTER_REPLAYS + ":" + DEAD_LETTER_REPLAYS + "}";

    /** Inputs whose key is an entity id and whose latest value per key is what matters. */
    public static final List<String> COMPACTED = List.of(DEVICE_THRESHOLDS, USER_PROFILES, PRODUCT_CATALOG);

    public static final List<String> INPUTS = List.of(WORD_COUNTS, REAL_TIME_DATA, DEVICE_THRESHOLDS, INPUT_TOPIC,
        USER_EVENTS, USER_CLICKS, PURCHASES, USER_PROFILES, PRODUCT_CATALOG, TRANSACTIONS);

    public static final List<String> OUTPUTS = List.of(OUTPUT_TOPIC, AGGREGATED_TOPIC, WINDOWED_AGGREGATES, EVENT_COUNTS,
        CLICK_COUNTS, TOP_PAGES, WORD_TOTALS, ENRICHED_CLICKS, ENRICHED_PURCHASES, CLICK_PURCHASES, USER_SESSIONS,
        DEVICE_AVERAGES, TEMPERATURE_ALERTS, FRAUD_ALERTS, DEAD_LETTER_QUEUE);

    /** Topics that are not in the contract: Pulse's own bookkeeping. */
    public static final List<String> INTERNAL = List.of(DEAD_LETTER_REPLAYS, WORD_TOTALS_TOP, AGGREGATED_TOPIC_CATEGORIES,
        TOP_PAGES_LATEST);

    /**
     * Internal topics of one list per partition of a store, which every instance reads whole into a ready answer:
     * compacted, so they stay as small as the number of partitions.
     */
    public static final List<String> READ_MODELS = List.of(WORD_TOTALS_TOP, AGGREGATED_TOPIC_CATEGORIES, TOP_PAGES_LATEST);

    /**
     * Internal topics that belong to a contract topic: unless set on their own, they are named as that one is, plus
     * their suffix ({@code word-totals-v2} → {@code word-totals-v2-top}), so that two installations that keep their
     * outputs apart keep these apart too.
     */
    public static final Map<String, String> NAMED_AFTER = Map.of(WORD_TOTALS_TOP, WORD_TOTALS,
        AGGREGATED_TOPIC_CATEGORIES, AGGREGATED_TOPIC, TOP_PAGES_LATEST, TOP_PAGES);

    private Topics() {
    }
}
