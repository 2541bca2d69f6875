package dev.pulse.drills;

import dev.pulse.drills.Traffic.Rec;
import dev.pulse.kafka.Topics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A corpus of records that the contract calls invalid, for every input topic: not JSON, JSON with text after it,
 * empty, blank, a missing value (tombstone) where one is needed, binary, invalid UTF-8 inside JSON, arrays and bare
 * scalars where an object is needed, {@code NaN}, {@code Infinity} and numbers beyond a double, nesting deeper than
 * any parser takes, values above 256 KB (kept whole in the dead letter), wrong types, missing and empty fields,
 * and each topic's own rules (a reading without a device, a negative amount, a latitude without a longitude, a time
 * before 1970, a threshold under a blank key…). Each has a key of its own unless its key is its fault.
 */
final class BadRecords {

    /** Stands for a key of the record's own in the corpus. */
    private static final String UNIQUE_KEY = "\u0000";

    private static final int LARGE = 256 * 1024;

    private final List<Rec> corpus;
    private int next;
    private long serial;

    /** @param large whether to include the values above 256 KB */
    BadRecords(boolean large) {
        this.corpus = corpus(large);
    }

    /** Every kind once. */
    List<Rec> all() {
        return List.copyOf(corpus);
    }

    int kinds() {
        return corpus.size();
    }

    /**
     * The next kind in turn, with a key of its own (unless its key is its fault). The values above 256 KB come in the
     * first two rounds only: enough to see them cut in the dead-letter queue without making the drill about bytes.
     */
    Rec next(String tag) {
        while (true) {
            int n = next++;
            Rec kind = corpus.get(n % corpus.size());
            if (n / corpus.size() < 2 || kind.size() <= LARGE) {
                return withKey(kind, tag);
            }
        }
    }

    Rec withKey(Rec kind, String tag) {
        String key = UNIQUE_KEY.equals(kind.key()) ? "bad" + tag + "x" + serial++ : kind.key();
        return new Rec(kind.topic(), key, kind.value(), kind.timestampMs(), true, kind.kind());
    }

    private static List<Rec> corpus(boolean large) {
        List<Rec> bad = new ArrayList<>();
        String[] jsonTopics = {Topics.INPUT_TOPIC, Topics.REAL_TIME_DATA, Topics.DEVICE_THRESHOLDS, Topics.USER_EVENTS,
            Topics.USER_CLICKS, Topics.PURCHASES, Topics.USER_PROFILES, Topics.PRODUCT_CATALOG, Topics.TRANSACTIONS};
        for (String topic : jsonTopics) {
            add(bad, topic, "invalid JSON", "{\"id\": 1, \"value\": ");
            add(bad, topic, "text after the JSON", "{\"id\": 1} and more");
            add(bad, topic, "empty", "");
            add(bad, topic, "blank", "   \n ");
            add(bad, topic, "binary", binary());
            add(bad, topic, "invalid UTF-8 in JSON", concat("{\"name\": \"", new byte[] {(byte) 0xC3, 0x28}, "\"}"));
            add(bad, topic, "array", "[1, 2, 3]");
            add(bad, topic, "array of objects", "[{\"id\": 1}]");
            add(bad, topic, "string", "\"just text\"");
            add(bad, topic, "number", "42");
            add(bad, topic, "JSON null", "null");
            add(bad, topic, "NaN", "{\"value\": NaN, \"temperature\": NaN, \"amount\": NaN}");
            add(bad, topic, "Infinity", "{\"value\": Infinity, \"temperature\": -Infinity}");
            add(bad, topic, "deep nesting", "[".repeat(5000) + "]".repeat(5000));
            if (large) {
                add(bad, topic, "300 KB, not JSON", "{\"pad\": \"" + "x".repeat(300 * 1024));
            }
        }
        for (String topic : new String[] {Topics.INPUT_TOPIC, Topics.REAL_TIME_DATA, Topics.USER_EVENTS,
            Topics.USER_CLICKS, Topics.PURCHASES, Topics.TRANSACTIONS, Topics.WORD_COUNTS}) {
            bad.add(new Rec(topic, UNIQUE_KEY, null, null, true, "tombstone"));
        }
        // word-counts: any text with a word is valid, so only what cannot be words or JSON is bad
        add(bad, Topics.WORD_COUNTS, "invalid JSON", "{\"word\": ");
        add(bad, Topics.WORD_COUNTS, "text after the JSON", "{\"word\": \"apple\"} pie");
        add(bad, Topics.WORD_COUNTS, "empty", "");
        add(bad, Topics.WORD_COUNTS, "no words", "!!! ... ??? --");
        add(bad, Topics.WORD_COUNTS, "binary", binary());
        add(bad, Topics.WORD_COUNTS, "invalid UTF-8", new byte[] {'a', 'b', (byte) 0xFF, 'c'});
        add(bad, Topics.WORD_COUNTS, "array", "[\"apple\"]");
        add(bad, Topics.WORD_COUNTS, "word a number", "{\"word\": 5}");
        add(bad, Topics.WORD_COUNTS, "word empty", "{\"word\": \"\"}");
        add(bad, Topics.WORD_COUNTS, "word missing", "{\"words\": \"apple\"}");
        add(bad, Topics.WORD_COUNTS, "word an array", "{\"word\": [\"apple\"]}");
        add(bad, Topics.WORD_COUNTS, "NaN", "{\"word\": NaN}");
        add(bad, Topics.WORD_COUNTS, "deep nesting", "{\"word\": " + "[".repeat(5000) + "]".repeat(5000) + "}");
        if (large) {
            add(bad, Topics.WORD_COUNTS, "300 KB, not JSON", "{\"word\": \"" + "y".repeat(300 * 1024));
        }
        // input-topic
        add(bad, Topics.INPUT_TOPIC, "value a string", "{\"id\": 1, \"value\": \"ten\", \"category\": \"A\"}");
        add(bad, Topics.INPUT_TOPIC, "value a boolean", "{\"id\": 1, \"value\": true, \"category\": \"A\"}");
        add(bad, Topics.INPUT_TOPIC, "value beyond a double", "{\"id\": 1, \"value\": 1e999, \"category\": \"A\"}");
        add(bad, Topics.INPUT_TOPIC, "category missing", "{\"id\": 1, \"value\": 10}");
        add(bad, Topics.INPUT_TOPIC, "category empty", "{\"id\": 1, \"value\": 10, \"category\": \"\"}");
        add(bad, Topics.INPUT_TOPIC, "category a number", "{\"id\": 1, \"value\": 10, \"category\": 7}");
        add(bad, Topics.INPUT_TOPIC, "timestamp not a time",
            "{\"id\": 1, \"value\": 10, \"category\": \"A\", \"timestamp\": \"yesterday\"}");
        if (large) {
            add(bad, Topics.INPUT_TOPIC, "300 KB, wrong type",
                "{\"value\": \"ten\", \"category\": \"A\", \"pad\": \"" + "z".repeat(300 * 1024) + "\"}");
        }
        // real-time-data
        add(bad, Topics.REAL_TIME_DATA, "temperature a string", "{\"device_id\": \"bad\", \"temperature\": \"hot\"}");
        add(bad, Topics.REAL_TIME_DATA, "temperature missing", "{\"device_id\": \"bad\"}");
        add(bad, Topics.REAL_TIME_DATA, "temperature beyond a double", "{\"device_id\": \"bad\", \"temperature\": 1e400}");
        add(bad, Topics.REAL_TIME_DATA, "device id a fraction", "{\"device_id\": 1.5, \"temperature\": 20}");
        add(bad, Topics.REAL_TIME_DATA, "unit unknown", "{\"device_id\": \"bad\", \"temperature\": 20, \"unit\": \"K\"}");
        add(bad, Topics.REAL_TIME_DATA, "text not a reading", "Temperature: hot");
        add(bad, Topics.REAL_TIME_DATA, "text in kelvin", "Temperature: 300K");
        bad.add(new Rec(Topics.REAL_TIME_DATA, null, Traffic.utf8("Temperature: 30C"), null, true, "text reading without a key"));
        bad.add(new Rec(Topics.REAL_TIME_DATA, null, Traffic.utf8("{\"temperature\": 30}"), null, true,
            "JSON reading without a device"));
        // device-thresholds
        add(bad, Topics.DEVICE_THRESHOLDS, "threshold a string", "{\"threshold\": \"high\"}");
        add(bad, Topics.DEVICE_THRESHOLDS, "neither field", "{}");
        add(bad, Topics.DEVICE_THRESHOLDS, "hysteresis negative", "{\"threshold\": 60, \"hysteresis\": -1}");
        // (a compacted topic takes no record without a key: the broker refuses it)
        bad.add(new Rec(Topics.DEVICE_THRESHOLDS, " ", Traffic.utf8("{\"threshold\": 60}"), null, true, "blank key"));
        // user-events
        add(bad, Topics.USER_EVENTS, "user id a fraction", "{\"user_id\": 1.5, \"event_type\": \"login\"}");
        add(bad, Topics.USER_EVENTS, "user id a boolean", "{\"user_id\": true, \"event_type\": \"login\"}");
        add(bad, Topics.USER_EVENTS, "event type missing", "{\"user_id\": 12345}");
        add(bad, Topics.USER_EVENTS, "event type empty", "{\"user_id\": 12345, \"event_type\": \"\"}");
        add(bad, Topics.USER_EVENTS, "event data a string", "{\"user_id\": 1, \"event_type\": \"x\", \"event_data\": \"p\"}");
        add(bad, Topics.USER_EVENTS, "timestamp before 1970", "{\"user_id\": 1, \"event_type\": \"x\", \"timestamp\": -5}");
        add(bad, Topics.USER_EVENTS, "timestamp not a time",
            "{\"user_id\": 1, \"event_type\": \"x\", \"timestamp\": \"2025-13-45T99:00:00\"}");
        // user-clicks
        add(bad, Topics.USER_CLICKS, "page missing", "{\"user\": \"alice\"}");
        add(bad, Topics.USER_CLICKS, "page a number", "{\"user\": \"alice\", \"page\": 5}");
        add(bad, Topics.USER_CLICKS, "user an array", "{\"user\": [\"alice\"], \"page\": \"/home\"}");
        add(bad, Topics.USER_CLICKS, "product a number", "{\"user\": \"alice\", \"page\": \"/home\", \"product\": 5}");
        // purchases
        add(bad, Topics.PURCHASES, "product missing", "{\"user\": \"alice\", \"amount\": 5}");
        add(bad, Topics.PURCHASES, "amount a string", "{\"user\": \"alice\", \"product\": \"p\", \"amount\": \"ten\"}");
        add(bad, Topics.PURCHASES, "user missing", "{\"product\": \"p\"}");
        // transactions
        add(bad, Topics.TRANSACTIONS, "amount negative",
            "{\"transaction_id\": \"t\", \"card_id\": \"bad\", \"amount\": -5}");
        add(bad, Topics.TRANSACTIONS, "amount a string",
            "{\"transaction_id\": \"t\", \"card_id\": \"bad\", \"amount\": \"5\"}");
        add(bad, Topics.TRANSACTIONS, "card missing", "{\"transaction_id\": \"t\", \"amount\": 5}");
        add(bad, Topics.TRANSACTIONS, "transaction id a fraction",
            "{\"transaction_id\": 0.5, \"card_id\": \"bad\", \"amount\": 5}");
        add(bad, Topics.TRANSACTIONS, "latitude out of range",
            "{\"transaction_id\": \"t\", \"card_id\": \"bad\", \"amount\": 5, \"lat\": 95, \"lon\": 0}");
        add(bad, Topics.TRANSACTIONS, "latitude without longitude",
            "{\"transaction_id\": \"t\", \"card_id\": \"bad\", \"amount\": 5, \"lat\": 45}");
        return bad;
    }

    private static void add(List<Rec> bad, String topic, String kind, String value) {
        add(bad, topic, kind, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void add(List<Rec> bad, String topic, String kind, byte[] value) {
        bad.add(new Rec(topic, UNIQUE_KEY, value, null, true, kind));
    }

    /** Random bytes that are not UTF-8 (0xFF never occurs in it). */
    private static byte[] binary() {
        byte[] bytes = new byte[64];
        new Random(7).nextBytes(bytes);
        bytes[0] = (byte) 0xFF;
        bytes[1] = 0;
        return bytes;
    }

    private static byte[] concat(String before, byte[] middle, String after) {
        byte[] a = before.getBytes(StandardCharsets.UTF_8);
        byte[] c = after.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[a.length + middle.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(middle, 0, all, a.length, middle.length);
        System.arraycopy(c, 0, all, a.length + middle.length, c.length);
        return all;
    }
}
