package dev.pulse.ingest;

import dev.pulse.kafka.Topics;

import java.util.Arrays;
import java.util.Optional;

/**
 * The streams of {@code POST /api/events/{stream}} and the topic each one feeds.
 *
 * <p>{@code keyField} names the body field that becomes the record key and is left out of the
 * value, for topics whose key is not in the value.
 */
public enum IngestStream {
    WORDS("words", Topics.WORD_COUNTS, null),
    SENSORS("sensors", Topics.REAL_TIME_DATA, null),
    RECORDS("records", Topics.INPUT_TOPIC, null),
    USER_EVENTS("user-events", Topics.USER_EVENTS, null),
    CLICKS("clicks", Topics.USER_CLICKS, null),
    PURCHASES("purchases", Topics.PURCHASES, null),
    PROFILES("profiles", Topics.USER_PROFILES, "user"),
    PRODUCTS("products", Topics.PRODUCT_CATALOG, "product_id"),
    TRANSACTIONS("transactions", Topics.TRANSACTIONS, null),
    THRESHOLDS("thresholds", Topics.DEVICE_THRESHOLDS, "device_id");

    private final String path;
    private final String topic;
    private final String keyField;

    IngestStream(String path, String topic, String keyField) {
        this.path = path;
        this.topic = topic;
        this.keyField = keyField;
    }

    public String path() {
        return path;
    }

    /** The contract's default topic name; resolve it through {@code TopicNames}. */
    public String topic() {
        return topic;
    }

    public String keyField() {
        return keyField;
    }

    public static Optional<IngestStream> byPath(String path) {
        return Arrays.stream(values()).filter(s -> s.path.equals(path)).findFirst();
    }
}
