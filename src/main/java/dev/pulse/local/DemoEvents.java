package dev.pulse.local;

import dev.pulse.kafka.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Realistic demo traffic in the tutorials' formats: random words, sensors that sometimes overheat
 * (JSON and plain-text lines), category records, user events, clicks and purchases with profiles and
 * a catalog, and card transactions with the occasional fraud pattern. Pure: it only makes records.
 */
public final class DemoEvents {

    /** A record to send: topic (a {@link Topics} default name), key (may be null), value. */
    public record DemoRecord(String topic, String key, String value) {
    }

    private static final String[] WORDS = {"apple", "banana", "cherry", "date", "elderberry", "fig", "grape"};
    private static final String[] CATEGORIES = {"A", "B", "C"};
    private static final String[] USERS = {"alice", "bob", "carol", "dave", "erin"};
    private static final String[] PAGES = {"/home", "/products", "/cart", "/checkout", "/about"};
    private static final String[] PRODUCTS = {"product-1", "product-2", "product-3", "product-4"};
    private static final String[] COUNTRIES = {"DE", "FR", "NL", "US"};
    private static final int DEVICES = 5;
    private static final int CARDS = 20;

    private final RandomGenerator random;
    private long sequence;

    public DemoEvents(RandomGenerator random) {
        this.random = random;
    }

    /** The tables that give joins something to find: user profiles and the product catalog. */
    public List<DemoRecord> referenceData() {
        List<DemoRecord> records = new ArrayList<>();
        int age = 25;
        for (String user : USERS) {
            String name = Character.toUpperCase(user.charAt(0)) + user.substring(1);
            records.add(new DemoRecord(Topics.USER_PROFILES, user, "{\"name\": \"%s\", \"age\": %d}".formatted(name, age)));
            age += 4;
        }
        String[] names = {"Laptop", "Phone", "Headphones", "Monitor"};
        int[] prices = {999, 599, 149, 329};
        for (int i = 0; i < PRODUCTS.length; i++) {
            records.add(new DemoRecord(Topics.PRODUCT_CATALOG, PRODUCTS[i],
                "{\"name\": \"%s\", \"price\": %d}".formatted(names[i], prices[i])));
        }
        return records;
    }

    /**
     * The events of one tick at time {@code nowMillis}: one of each stream, so every output moves.
     */
    public List<DemoRecord> tick(long nowMillis) {
        long seq = sequence++;
        double now = nowMillis / 1000.0;
        String seconds = String.format(Locale.ROOT, "%.3f", now);
        List<DemoRecord> records = new ArrayList<>();

        records.add(new DemoRecord(Topics.WORD_COUNTS, null, "{\"word\": \"" + pick(WORDS) + "\"}"));

        // Each device drifts on its own slow wave that peaks above 50 °C now and then.
        int device = (int) (seq % DEVICES) + 1;
        double phase = now / 40.0 + device * 1.3;
        double temperature = 38 + 16 * Math.sin(phase) + random.nextDouble() * 2;
        String deviceId = "sensor_" + device;
        if (seq % 7 == 0) {
            records.add(new DemoRecord(Topics.REAL_TIME_DATA, deviceId,
                String.format(Locale.ROOT, "Temperature: %.0fC", temperature)));
        } else {
            records.add(new DemoRecord(Topics.REAL_TIME_DATA, deviceId, String.format(Locale.ROOT,
                "{\"device_id\": \"%s\", \"temperature\": %.2f, \"timestamp\": %s}", deviceId, temperature, seconds)));
        }

        records.add(new DemoRecord(Topics.INPUT_TOPIC, null, String.format(Locale.ROOT,
            "{\"id\": %d, \"timestamp\": %s, \"value\": %d, \"category\": \"%s\"}",
            seq, seconds, random.nextInt(100), pick(CATEGORIES))));

        String user = pick(USERS);
        String page = pick(PAGES);
        String eventType = random.nextInt(5) == 0 ? "add_to_cart" : "page_view";
        records.add(new DemoRecord(Topics.USER_EVENTS, user, String.format(Locale.ROOT,
            "{\"user_id\": \"%s\", \"event_type\": \"%s\", \"event_data\": {\"page\": \"%s\", \"duration\": %d}, "
                + "\"timestamp\": %s}", user, eventType, page, random.nextInt(120), seconds)));

        String product = pick(PRODUCTS);
        records.add(new DemoRecord(Topics.USER_CLICKS, user, String.format(Locale.ROOT,
            "{\"user\": \"%s\", \"page\": \"%s\", \"product\": \"%s\", \"timestamp\": %s}", user, page, product, seconds)));
        if (random.nextInt(4) == 0) {
            records.add(new DemoRecord(Topics.PURCHASES, user, String.format(Locale.ROOT,
                "{\"user\": \"%s\", \"product\": \"%s\", \"amount\": %d.0, \"timestamp\": %s}",
                user, product, 50 + random.nextInt(950), seconds)));
        }

        records.addAll(transactions(seq, seconds));
        return records;
    }

    private List<DemoRecord> transactions(long seq, String seconds) {
        List<DemoRecord> records = new ArrayList<>();
        String card = "card-" + (1 + random.nextInt(CARDS));
        String country = COUNTRIES[(int) (seq / 50 % 2)]; // most cards stay at home
        double amount = 5 + random.nextInt(200) + random.nextInt(100) / 100.0;
        int pattern = (int) (seq % 200);
        if (pattern == 60) {
            amount = 12_500; // LARGE_AMOUNT
        } else if (pattern == 120) {
            // VELOCITY: a burst of the same card
            for (int i = 0; i < 6; i++) {
                records.add(transaction(seq + "-b" + i, card, 20 + i, country, seconds));
            }
        } else if (pattern == 180) {
            // IMPOSSIBLE_TRAVEL: the same card in another country moments later
            records.add(transaction(seq + "-t", card, 40, "US".equals(country) ? "DE" : "US", seconds));
        }
        records.add(transaction(Long.toString(seq), card, amount, country, seconds));
        return records;
    }

    private static DemoRecord transaction(String id, String card, double amount, String country, String seconds) {
        return new DemoRecord(Topics.TRANSACTIONS, card, String.format(Locale.ROOT,
            "{\"transaction_id\": \"tx-%s\", \"card_id\": \"%s\", \"amount\": %.2f, \"currency\": \"EUR\", "
                + "\"merchant\": \"m-%d\", \"country\": \"%s\", \"timestamp\": %s}",
            id, card, amount, Math.abs(id.hashCode() % 50), country, seconds));
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }
}
