package dev.pulse.bench.jmh;

import dev.pulse.kafka.Topics;
import dev.pulse.testkit.Records;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Endless input for the alert benchmarks, as a consumer's polls would bring it: records keyed by entity, spread over
 * {@value #PARTITIONS} partitions by key, offsets rising per partition (a repeated offset would be taken for a
 * redelivery and skipped, which is not what we measure).
 */
final class Inputs {

    static final int PARTITIONS = 3;
    static final long T0_SECONDS = 1_700_000_000L;

    private Inputs() {
    }

    /**
     * {@code real-time-data}: {@value #DEVICES} devices, JSON readings swinging around the 50 °C threshold (a sine of
     * ±8 °C around 48 °C, period ~21 readings), so each device raises and clears an alert about every 21 readings.
     */
    static final class Readings {

        static final int DEVICES = 50;
        private static final int CYCLE = 21;

        private final byte[][] keys = new byte[DEVICES][];
        private final byte[][] values = new byte[DEVICES * CYCLE][];
        private final long[] offsets = new long[PARTITIONS];
        private long next;

        Readings() {
            for (int d = 0; d < DEVICES; d++) {
                keys[d] = ("sensor_" + d).getBytes(StandardCharsets.UTF_8);
            }
            for (int i = 0; i < values.length; i++) {
                int device = i % DEVICES;
                int n = i / DEVICES;
                double temperature = Math.round((48 + 8 * Math.sin(n * 0.3 + device)) * 10) / 10.0;
                values[i] = String.format(Locale.ROOT, "{\"device_id\": \"sensor_%d\", \"temperature\": %s, \"timestamp\": %d}",
                    device, temperature, T0_SECONDS + i).getBytes(StandardCharsets.UTF_8);
            }
        }

        List<ConsumerRecord<byte[], byte[]>> next(int count) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int index = (int) (next++ % values.length);
                int device = index % DEVICES;
                int partition = device % PARTITIONS;
                long offset = offsets[partition]++;
                batch.add(Records.record(Topics.REAL_TIME_DATA, partition, offset, (T0_SECONDS + index) * 1000,
                    new String(keys[device], StandardCharsets.UTF_8), values[index]));
            }
            return batch;
        }
    }

    /**
     * {@code transactions}: {@value #CARDS} cards used in turn, one transaction a second overall (so a card every
     * {@value #CARDS} s, under the velocity limit), 20–80 EUR in Germany; every 97th is 15,000 EUR (LARGE_AMOUNT and,
     * once the card has history, AMOUNT_SPIKE) and every 53rd is in France (IMPOSSIBLE_TRAVEL, there and on the
     * card's next use back in Germany).
     */
    static final class Transactions {

        static final int CARDS = 100;

        private final long[] offsets = new long[PARTITIONS];
        private long next;

        List<ConsumerRecord<byte[], byte[]>> next(int count) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long n = next++;
                int card = (int) (n % CARDS);
                int partition = card % PARTITIONS;
                double amount = n % 97 == 96 ? 15_000 : 20 + (n % 7) * 10;
                String country = n % 53 == 52 ? "FR" : "DE";
                String value = String.format(Locale.ROOT, "{\"transaction_id\": \"t-%d\", \"card_id\": \"card-%d\", "
                        + "\"amount\": %s, \"currency\": \"EUR\", \"merchant\": \"m-%d\", \"country\": \"%s\", \"timestamp\": %d}",
                    n, card, amount, n % 13, country, T0_SECONDS + n);
                batch.add(Records.record(Topics.TRANSACTIONS, partition, offsets[partition]++, (T0_SECONDS + n) * 1000,
                    "card-" + card, value.getBytes(StandardCharsets.UTF_8)));
            }
            return batch;
        }
    }
}
