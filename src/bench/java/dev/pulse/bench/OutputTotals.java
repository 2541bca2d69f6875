package dev.pulse.bench;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Follows an output topic (read_committed, from its beginning) and compares it, key by key, with what the driver
 * expects: either the latest value per key (a count that is updated, like {@code word-totals}) or the number of
 * records per key (each expected once, like alerts). It also keeps the sum of those values, which is how much input
 * the outputs account for so far: the progress measure of the throughput scenarios.
 */
final class OutputTotals implements AutoCloseable {

    enum Mode { LATEST, COUNT }

    /** Turns a record into (key, value) pairs; a record it does not concern yields none. */
    interface Extractor {
        void extract(ConsumerRecord<byte[], byte[]> record, BiConsumer<String, Long> out);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Long> expected;
    private final Mode mode;
    private final Extractor extractor;
    private final Map<String, Long> seen = new HashMap<>();
    private final long expectedSum;
    private long sum;
    private long mismatched;
    private long unexpected;
    private long records;

    OutputTotals(KafkaConsumer<byte[], byte[]> consumer, Map<String, Long> expected, Mode mode, Extractor extractor) {
        this.consumer = consumer;
        this.expected = expected;
        this.mode = mode;
        this.extractor = extractor;
        this.expectedSum = expected.values().stream().mapToLong(Long::longValue).sum();
        this.mismatched = expected.values().stream().filter(v -> v != 0).count();
    }

    /** @return records read by this poll */
    int poll(Duration timeout) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            n++;
            extractor.extract(record, this::update);
        }
        records += n;
        return n;
    }

    private void update(String key, long value) {
        Long old = seen.get(key);
        long next = mode == Mode.LATEST ? value : (old == null ? 0 : old) + value;
        seen.put(key, next);
        sum += next - (old == null ? 0 : old);
        Long want = expected.get(key);
        if (want == null) {
            if (old == null) {
                unexpected++;
            }
            return;
        }
        boolean wasRight = old != null ? old.longValue() == want : want == 0;
        boolean isRight = next == want;
        if (wasRight && !isRight) {
            mismatched++;
        } else if (!wasRight && isRight) {
            mismatched--;
        }
    }

    /**
     * Polls on until every partition is read to its end offset as of now (read_committed: the last stable offset),
     * so whatever is committed on the topic has been counted.
     *
     * @return false when the ends were not reached within {@code timeout}
     */
    boolean readToEnd(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll(Duration.ofMillis(200));
        }
        return true;
    }

    long sum() {
        return sum;
    }

    long expectedSum() {
        return expectedSum;
    }

    long records() {
        return records;
    }

    boolean matches() {
        return mismatched == 0 && unexpected == 0;
    }

    /** What does not match yet, for a failure message. */
    String describeMismatch(int examples) {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long got = seen.getOrDefault(e.getKey(), 0L);
            if (got != e.getValue() && wrong.size() < examples) {
                wrong.add(e.getKey() + " expected " + e.getValue() + " got " + got);
            }
        }
        for (Map.Entry<String, Long> e : seen.entrySet()) {
            if (!expected.containsKey(e.getKey()) && wrong.size() < 2 * examples) {
                wrong.add(e.getKey() + " not expected, got " + e.getValue());
            }
        }
        return "sum " + sum + " of " + expectedSum + ", " + mismatched + " keys differ, " + unexpected
            + " unexpected keys; e.g. " + wrong;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
