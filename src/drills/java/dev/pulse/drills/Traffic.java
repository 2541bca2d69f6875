package dev.pulse.drills;

import dev.pulse.kafka.Topics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The drills' steady traffic: step {@code i} gives a few valid records across the input topics, in every accepted
 * format (JSON and plain-text words, JSON and plain-text readings in °C and °F, ids as strings and numbers), and tells
 * {@link Expected} what each should produce. Deterministic in {@code (tag, i)}; names carry the tag, so phases of one
 * drill with different tags do not share words, categories, devices, cards or users.
 *
 * <p>Event times are chosen so no window of a checked output ever closes during a drill (user events and clicks all
 * fall inside one 5-minute window), so the expected counts cannot depend on how far stream time has got.
 */
final class Traffic {

    /** A record to send: {@code key} and {@code timestampMs} may be null (no key, the producer's clock). */
    record Rec(String topic, String key, byte[] value, Long timestampMs, boolean bad, String kind) {

        static Rec good(String topic, String key, String value) {
            return new Rec(topic, key, utf8(value), null, false, "good");
        }

        int size() {
            return value == null ? 0 : value.length;
        }
    }

    static final int WORDS = 40;
    static final int CATEGORIES = 5;
    static final int DEVICES = 8;
    static final int CARDS = 8;
    static final int USERS = 10;
    static final int PRODUCTS = 5;
    static final int THRESHOLD_DEVICES = 5;
    /** One excursion per cycle: RAISED at 55 (or 131 °F), CLEARED at 44. */
    static final double[] CYCLE = {40, 55, 57, 53, 44, 41};
    static final String[] EVENT_TYPES = {"page_view", "click", "login"};

    private final String tag;
    private final long baseSeconds;
    private final long windowStartSeconds;
    private final Expected expected;

    /**
     * @param tag         letters and digits only (it becomes part of words)
     * @param baseSeconds event time of the first step, epoch seconds (the drill's start)
     */
    Traffic(String tag, long baseSeconds, Expected expected) {
        if (!tag.matches("[a-z0-9]+")) {
            throw new IllegalArgumentException("tag must be lower-case letters and digits: " + tag);
        }
        this.tag = tag;
        this.baseSeconds = baseSeconds;
        this.windowStartSeconds = baseSeconds - Math.floorMod(baseSeconds, 300);
        this.expected = expected;
    }

    String tag() {
        return tag;
    }

    /** The words of this traffic, lower-cased as Pulse counts them. */
    List<String> words() {
        List<String> words = new ArrayList<>();
        for (int w = 0; w < WORDS; w++) {
            words.add(word(w));
        }
        return words;
    }

    /** The valid records of step {@code i}, in send order; their expected outputs are added to {@link Expected}. */
    List<Rec> step(int i) {
        List<Rec> records = new ArrayList<>(10);
        records.add(inputRecord(i));
        records.add(words(i));
        records.add(reading(i));
        records.add(transaction(i));
        records.add(userEvent(i));
        records.add(click(i));
        if (i % 2 == 0) {
            records.addAll(purchase(i));
        }
        if (i % 20 == 0) {
            records.add(Rec.good(Topics.USER_PROFILES, user(i / 20),
                "{\"name\": \"User %d\", \"age\": %d}".formatted(i / 20 % USERS, 20 + i / 20 % USERS)));
        }
        if (i % 25 == 0) {
            int p = i / 25 % PRODUCTS;
            records.add(Rec.good(Topics.PRODUCT_CATALOG, product(p), "{\"name\": \"Product %d\", \"price\": %d}"
                .formatted(p, 10 * (p + 1))));
        }
        if (i % 50 == 0) {
            String device = "thr" + tag + (i / 50 % THRESHOLD_DEVICES);
            double threshold = 60 + i / 50 % 10;
            expected.threshold(device, threshold, 2.5);
            records.add(Rec.good(Topics.DEVICE_THRESHOLDS, device,
                "{\"threshold\": %s, \"hysteresis\": 2.5}".formatted(number(threshold))));
        }
        return records;
    }

    private Rec inputRecord(int i) {
        String id = tag + "-" + i;
        long value = i % 97 + 1;
        String category = "c" + tag + (i % CATEGORIES);
        expected.record(id, category, value);
        return Rec.good(Topics.INPUT_TOPIC, "k-" + id,
            "{\"id\": \"%s\", \"timestamp\": %d, \"value\": %d, \"category\": \"%s\"}".formatted(id, baseSeconds, value,
                category));
    }

    private Rec words(int i) {
        if (i % 2 == 1) {
            String word = word(i * 7 % WORDS);
            expected.words(List.of(word));
            // upper case on the wire: Pulse lower-cases
            return Rec.good(Topics.WORD_COUNTS, "k-" + i, "{\"word\": \"%s\"}".formatted(word.toUpperCase(Locale.ROOT)));
        }
        List<String> line = List.of(word(i * 13 % WORDS), word((i * 31 + 1) % WORDS), word((i + 2) % WORDS));
        expected.words(line);
        return Rec.good(Topics.WORD_COUNTS, null, String.join(i % 4 == 0 ? " " : ", ", line) + ".");
    }

    private Rec reading(int i) {
        String device = "s" + tag + (i % DEVICES);
        int step = i / DEVICES;
        double celsius = CYCLE[step % CYCLE.length];
        long timeMs = (baseSeconds + step * 10L) * 1000;
        expected.reading(device, celsius, timeMs);
        if (i % 5 == 0) {
            // plain text, device from the key, time from the record
            String line = step % 2 == 0 ? "Temperature: %sC".formatted(number(celsius))
                : "Temperature: %sF".formatted(number(celsius * 9 / 5 + 32));
            return new Rec(Topics.REAL_TIME_DATA, device, utf8(line), timeMs, false, "good");
        }
        return Rec.good(Topics.REAL_TIME_DATA, device, "{\"device_id\": \"%s\", \"temperature\": %s, \"timestamp\": %d}"
            .formatted(device, number(celsius), timeMs / 1000));
    }

    private Rec transaction(int i) {
        int c = i % CARDS;
        int k = i / CARDS;
        String card = "card" + tag + c;
        boolean bursts = c % 4 == 3; // ten transactions 2 s apart, every two hours
        long ts = baseSeconds + (bursts ? k / 10 * 7200L + k % 10 * 2L : k * 600L);
        double amount = k % 11 == 10 ? 25_000 : 20 + k % 5 * 10;
        String country = k % 9 == 8 ? "FR" : "DE";
        String id = "tx-" + tag + "-" + i;
        expected.transaction(card, id, amount, country, ts * 1000);
        return Rec.good(Topics.TRANSACTIONS, card, ("{\"transaction_id\": \"%s\", \"card_id\": \"%s\", \"amount\": %s, "
            + "\"currency\": \"EUR\", \"merchant\": \"m-%d\", \"country\": \"%s\", \"timestamp\": %d}")
            .formatted(id, card, number(amount), i % 13, country, ts));
    }

    private Rec userEvent(int i) {
        String type = EVENT_TYPES[i % EVENT_TYPES.length];
        long ts = eventTimeSeconds(i);
        int u = i % USERS;
        // user ids as numbers, as the tutorial sends them, and as strings
        String userId = u % 2 == 0 ? Integer.toString(1000 + u) : user(u);
        String page = "/p" + i % 6;
        expected.userEvent(type, userId, page, windowStartSeconds);
        return Rec.good(Topics.USER_EVENTS, user(u), ("{\"user_id\": %s, \"event_type\": \"%s\", "
            + "\"event_data\": {\"page\": \"%s\", \"duration\": %d}, \"timestamp\": %d}")
            .formatted(u % 2 == 0 ? userId : "\"" + userId + "\"", type, page, i % 60, ts));
    }

    private Rec click(int i) {
        String user = user(i % USERS);
        String page = i % 4 == 0 ? "/home" : "/p" + i % 6;
        String seq = tag + "-" + i;
        expected.click(user, page.equals("/home"), seq);
        String product = i % 2 == 0 ? ", \"product\": \"" + product(i % PRODUCTS) + "\"" : "";
        return Rec.good(Topics.USER_CLICKS, user, "{\"user\": \"%s\", \"page\": \"%s\"%s, \"seq\": \"%s\", \"timestamp\": %d}"
            .formatted(user, page, product, seq, eventTimeSeconds(i)));
    }

    /**
     * A buyer of its own clicks a product and buys it a second later: exactly one click→purchase match. (Purchases of
     * the users who click all the time would match each of their clicks within the hour, and the join's output would
     * grow with the square of the traffic.)
     */
    private List<Rec> purchase(int i) {
        String buyer = "b" + tag + "x" + i;
        String product = product(i % PRODUCTS);
        String clickSeq = tag + "-" + i + "-b";
        String seq = tag + "-" + i;
        long ts = eventTimeSeconds(i);
        expected.click(buyer, false, clickSeq);
        expected.purchase(seq, buyer);
        return List.of(
            Rec.good(Topics.USER_CLICKS, buyer, "{\"user\": \"%s\", \"page\": \"/buy\", \"product\": \"%s\", \"seq\": \"%s\", \"timestamp\": %d}"
                .formatted(buyer, product, clickSeq, ts)),
            Rec.good(Topics.PURCHASES, buyer, ("{\"user\": \"%s\", \"product\": \"%s\", \"amount\": %d, \"seq\": \"%s\", "
                + "\"timestamp\": %d}").formatted(buyer, product, 10 + i % 50, seq, ts + 1)));
    }

    /** Inside one minute, [start + 5 s, start + 55 s), of one 5-minute window: no window of user events or clicks closes during a drill. */
    private long eventTimeSeconds(int i) {
        return windowStartSeconds + 5 + i % 50;
    }

    private String word(int w) {
        return "w" + tag + "x" + w;
    }

    private String user(int u) {
        return "u" + tag + "x" + u;
    }

    private String product(int p) {
        return "prod" + tag + "x" + p;
    }

    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
