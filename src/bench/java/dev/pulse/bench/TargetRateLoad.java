package dev.pulse.bench;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;

/**
 * One phase of mixed load at a target rate, and the latency of its outputs.
 *
 * <p>A producer thread sends sensor readings ({@code real-time-data}), records ({@code input-topic}) and words
 * ({@code word-counts}) in the mix's proportions on a fixed schedule: event {@code i} is due at
 * {@code start + i / rate}, and that scheduled time is its {@code timestamp} (epoch ms). Stamping the schedule rather
 * than the moment of sending keeps any lag of the producer in the figures instead of hiding it.
 *
 * <p>A read_committed consumer follows the outputs from where they stood when the phase began and matches each
 * output to its inputs:
 * <ul>
 * <li>{@code output-topic}: by the record's {@code id}; its latency is arrival − the record's {@code timestamp}
 *     (echoed in the output). Every id must arrive exactly once.</li>
 * <li>{@code temperature-alerts}: by the reading that caused it: an alert's {@code timestamp} is that reading's
 *     event time, its {@code alert_id}/{@code state} is known in advance ({@link SensorModel}). Every expected alert
 *     must arrive exactly once.</li>
 * <li>{@code aggregated-topic}: an update's {@code timestamp} is the latest event time among the records it
 *     aggregates (Kafka Streams keeps the maximum). Each record of that category sent at or before it is thereby
 *     out, and is charged arrival − its own send time; records coalesced by the Streams cache thus count their full
 *     wait. (A record still in flight in another input partition at an earlier time would be charged too early: an
 *     error bounded by the partitions' skew.) The last update's {@code count} must equal all records sent to the
 *     category.</li>
 * </ul>
 */
final class TargetRateLoad {

    private static final JsonMapper JSON = ObjectMapper.getDefault();

    /** What persists across phases: device cycles, record ids, per-category and per-word totals. */
    static final class Model {
        final SensorModel sensors;
        final Vocabulary vocabulary;
        final long[] wordTotals;
        final String[] categories;
        final long[] categorySent;
        long nextRecordId;
        int nextDevice;
        long wordsSent;

        Model(SensorModel sensors, Vocabulary vocabulary, long[] wordTotals, int categories, String categoryPrefix) {
            this.sensors = sensors;
            this.vocabulary = vocabulary;
            this.wordTotals = wordTotals;
            this.categories = new String[categories];
            for (int i = 0; i < categories; i++) {
                this.categories[i] = categoryPrefix + i;
            }
            this.categorySent = new long[categories];
        }
    }

    /** Contract topic names as this run calls them. */
    interface TopicNames {
        String of(String contractTopic);
    }

    private final Model model;
    private final BenchKafka kafka;
    private final TopicNames topics;
    private final int rate;
    private final Duration warmup;
    private final Duration duration;
    private final int[] pattern;

    // producer side
    private Thread producerThread;
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicReference<Exception> firstSendError = new AtomicReference<>();
    private volatile long sentTotal;
    private volatile double producedSeconds;
    private volatile long maxLagMs;
    private volatile long measureFromMs = Long.MAX_VALUE;
    private final long[] sentByKind = new long[3];
    private long firstRecordId;
    private volatile long endRecordId = -1; // set when the producer is done
    private final Set<String> expectedAlerts = ConcurrentHashMap.newKeySet();
    private final StampQueue[] pendingAggregates;

    // consumer side (its thread only, except the volatile summaries)
    private Thread consumerThread;
    private volatile boolean stopConsumer;
    /** Set once every output is in: the consumer reads on to the end offsets as of then, and stops. */
    private volatile boolean readToEnd;
    private volatile Exception consumerError;
    private final BitSet outputIds = new BitSet();
    private long outputsInPhase;
    private long outputDuplicates;
    private long outputsUnexpected;
    private final Map<String, Integer> alertsSeen = new HashMap<>();
    private long alertsMatched;
    private long alertDuplicates;
    private long alertsUnexpected;
    private final long[] lastCategoryCount;
    private final Histogram outputLatency = histogram();
    private final Histogram alertLatency = histogram();
    private final Histogram aggregateLatency = histogram();
    private long negativeLatencies;
    private volatile boolean complete;

    /**
     * @param warmup   produced first, checked like the rest, but left out of the latency figures (JIT, caches, the
     *                 first rebalance)
     * @param duration produced after the warm-up: the measured part
     */
    TargetRateLoad(Model model, BenchKafka kafka, TopicNames topics, int rate, Duration warmup, Duration duration,
                   Map<String, Integer> mix) {
        this.model = model;
        this.kafka = kafka;
        this.topics = topics;
        this.rate = rate;
        this.warmup = warmup;
        this.duration = duration;
        this.pattern = pattern(mix);
        this.pendingAggregates = new StampQueue[model.categories.length];
        for (int i = 0; i < pendingAggregates.length; i++) {
            pendingAggregates[i] = new StampQueue();
        }
        this.lastCategoryCount = new long[model.categories.length];
        for (int i = 0; i < lastCategoryCount.length; i++) {
            lastCategoryCount[i] = -1;
        }
    }

    /** Smooth weighted round robin over sensors (0), records (1), words (2): the mix spread evenly, not in runs. */
    static int[] pattern(Map<String, Integer> mix) {
        int[] weights = {mix.get("sensors"), mix.get("records"), mix.get("words")};
        int total = weights[0] + weights[1] + weights[2];
        int[] current = new int[3];
        int[] pattern = new int[total];
        for (int i = 0; i < total; i++) {
            int best = -1;
            for (int k = 0; k < 3; k++) {
                current[k] += weights[k];
                if (weights[k] > 0 && (best < 0 || current[k] > current[best])) {
                    best = k;
                }
            }
            current[best] -= total;
            pattern[i] = best;
        }
        return pattern;
    }

    /** Starts the output consumer (positioned at the outputs' current ends), then the producer. */
    void start() throws Exception {
        KafkaConsumer<byte[], byte[]> consumer = kafka.consumerFromEnd("bench-latency", List.of(
            topics.of("output-topic"), topics.of("temperature-alerts"), topics.of("aggregated-topic")));
        consumerThread = new Thread(() -> consume(consumer), "bench-latency-consumer");
        consumerThread.start();
        firstRecordId = model.nextRecordId;
        producerThread = new Thread(this::produce, "bench-load-producer");
        producerThread.start();
    }

    /** Blocks until the producer has sent everything of the phase. */
    void awaitProduced() throws InterruptedException {
        producerThread.join();
    }

    /**
     * Waits until every expected output is in, then lets the consumer read on to the end offsets (read_committed) so
     * any duplicate already committed is counted, and stops it.
     *
     * @return problems found (empty when everything came exactly once)
     */
    List<String> awaitOutputs(Duration timeout) throws InterruptedException {
        awaitProduced();
        try {
            await("every expected output").atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> complete || consumerError != null);
        } catch (ConditionTimeoutException late) {
            // reported below
        }
        boolean timedOut = !complete;
        readToEnd = true;
        consumerThread.join(30_000);
        boolean readAll = !consumerThread.isAlive();
        stopConsumer = true;
        consumerThread.join(30_000);
        List<String> problems = new ArrayList<>();
        if (consumerError != null) {
            problems.add("output consumer failed: " + consumerError);
        } else if (!readAll) {
            problems.add("the output consumer did not reach the end offsets within 30 s");
        }
        if (sendErrors.get() > 0) {
            problems.add(sendErrors.get() + " sends failed, first: " + firstSendError.get());
        }
        long expectedOutputs = sentByKind[1];
        if (timedOut) {
            problems.add("not all outputs within " + timeout.toSeconds() + " s after the load: " + state());
        }
        if (outputsInPhase != expectedOutputs || outputDuplicates > 0 || outputsUnexpected > 0) {
            problems.add("output-topic: " + outputsInPhase + " of " + expectedOutputs + " ids, " + outputDuplicates
                + " duplicates, " + outputsUnexpected + " unexpected");
        }
        if (alertsMatched != expectedAlerts.size() || alertDuplicates > 0 || alertsUnexpected > 0) {
            problems.add("temperature-alerts: " + alertsMatched + " of " + expectedAlerts.size() + " expected, "
                + alertDuplicates + " duplicates, " + alertsUnexpected + " unexpected");
        }
        for (int c = 0; c < model.categories.length; c++) {
            if (model.categorySent[c] > 0 && lastCategoryCount[c] != model.categorySent[c]) {
                problems.add("aggregated-topic: category " + model.categories[c] + " last count " + lastCategoryCount[c]
                    + ", expected " + model.categorySent[c]);
            }
        }
        return problems;
    }

    private String state() {
        int pending = 0;
        for (StampQueue q : pendingAggregates) {
            pending += q.size();
        }
        return "outputs " + outputsInPhase + "/" + sentByKind[1] + ", alerts " + alertsMatched + "/" + expectedAlerts.size()
            + ", records not yet in an aggregate " + pending;
    }

    // --- producing ---------------------------------------------------------------------------------------------------

    private void produce() {
        String sensorsTopic = topics.of("real-time-data");
        String recordsTopic = topics.of("input-topic");
        String wordsTopic = topics.of("word-counts");
        long total = (long) rate * (warmup.toMillis() + duration.toMillis()) / 1000;
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer("bench-load")) {
            long startNanos = System.nanoTime();
            long startMs = System.currentTimeMillis();
            measureFromMs = startMs + warmup.toMillis();
            long i = 0;
            while (i < total) {
                long due = Math.min(total, (System.nanoTime() - startNanos) * rate / 1_000_000_000L);
                if (i >= due) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                while (i < due) {
                    long stamp = startMs + i * 1000 / rate;
                    int kind = pattern[(int) (i % pattern.length)];
                    producer.send(record(kind, stamp, sensorsTopic, recordsTopic, wordsTopic), (metadata, e) -> {
                        if (e != null) {
                            sendErrors.incrementAndGet();
                            firstSendError.compareAndSet(null, e);
                        }
                    });
                    sentByKind[kind]++;
                    i++;
                }
                sentTotal = i;
                long lag = System.currentTimeMillis() - (startMs + (i - 1) * 1000 / rate);
                if (lag > maxLagMs) {
                    maxLagMs = lag;
                }
            }
            producer.flush();
            producedSeconds = (System.nanoTime() - startNanos) / 1e9;
        } catch (RuntimeException e) {
            sendErrors.incrementAndGet();
            firstSendError.compareAndSet(null, e);
        } finally {
            endRecordId = model.nextRecordId;
        }
    }

    private ProducerRecord<byte[], byte[]> record(int kind, long stamp, String sensors, String records, String words) {
        switch (kind) {
            case 0 -> {
                int device = model.nextDevice;
                model.nextDevice = (device + 1) % model.sensors.devices();
                SensorModel.Reading reading = model.sensors.next(device, stamp);
                if (reading.alertKey() != null) {
                    expectedAlerts.add(reading.alertKey());
                }
                return new ProducerRecord<>(sensors, reading.key(), reading.value());
            }
            case 1 -> {
                long id = model.nextRecordId++;
                int category = (int) (id % model.categories.length);
                model.categorySent[category]++;
                pendingAggregates[category].add(stamp);
                String value = "{\"id\": " + id + ", \"timestamp\": " + SensorModel.seconds(stamp) + ", \"value\": "
                    + (id % 1000) + ", \"category\": \"" + model.categories[category] + "\"}";
                return new ProducerRecord<>(records, Long.toString(id).getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                int word = model.vocabulary.next();
                model.wordTotals[word]++;
                model.wordsSent++;
                return new ProducerRecord<>(words, null,
                    ("{\"word\": \"" + model.vocabulary.get(word) + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    // --- consuming ---------------------------------------------------------------------------------------------------

    private void consume(KafkaConsumer<byte[], byte[]> consumer) {
        String outputTopic = topics.of("output-topic");
        String alertsTopic = topics.of("temperature-alerts");
        Map<String, Integer> categoryIndex = new HashMap<>();
        for (int c = 0; c < model.categories.length; c++) {
            categoryIndex.put(model.categories[c], c);
        }
        String devicePrefix = model.sensors.prefix();
        Map<TopicPartition, Long> ends = null;
        try (consumer) {
            while (!stopConsumer) {
                var batch = consumer.poll(Duration.ofMillis(50));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    JsonNode v = JSON.readValue(r.value(), JsonNode.class);
                    if (r.topic().equals(outputTopic)) {
                        onOutput(v, now);
                    } else if (r.topic().equals(alertsTopic)) {
                        if (v.get("device_id").getStringValue().startsWith(devicePrefix)) {
                            onAlert(v, now);
                        }
                    } else {
                        Integer c = categoryIndex.get(v.get("category").getStringValue());
                        if (c != null) {
                            onAggregate(c, v, now);
                        }
                    }
                }
                complete = isComplete();
                if (readToEnd) {
                    if (ends == null) {
                        ends = consumer.endOffsets(consumer.assignment());
                    }
                    if (ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                        return;
                    }
                }
            }
        } catch (Exception e) {
            consumerError = e;
        }
    }

    private void onOutput(JsonNode v, long now) {
        long id = v.get("id").getLongValue();
        long end = endRecordId;
        if (id < firstRecordId || (end >= 0 && id >= end)) {
            outputsUnexpected++;
            return;
        }
        int bit = (int) (id - firstRecordId);
        if (outputIds.get(bit)) {
            outputDuplicates++;
            return;
        }
        outputIds.set(bit);
        outputsInPhase++;
        record(outputLatency, now, millis(v.get("timestamp")));
    }

    private void onAlert(JsonNode v, long now) {
        String key = v.get("alert_id").getStringValue() + "/" + v.get("state").getStringValue();
        int seen = alertsSeen.merge(key, 1, Integer::sum);
        if (!expectedAlerts.contains(key)) {
            alertsUnexpected++;
        } else if (seen > 1) {
            alertDuplicates++;
        } else {
            alertsMatched++;
            record(alertLatency, now, millis(v.get("timestamp")));
        }
    }

    private void onAggregate(int category, JsonNode v, long now) {
        long newest = millis(v.get("timestamp"));
        lastCategoryCount[category] = v.get("count").getLongValue();
        pendingAggregates[category].popUpTo(newest, stamp -> record(aggregateLatency, now, stamp));
    }

    private boolean isComplete() {
        if (endRecordId < 0) {
            return false;
        }
        for (StampQueue q : pendingAggregates) {
            if (q.size() > 0) {
                return false;
            }
        }
        return outputsInPhase == sentByKind[1] && alertsMatched == expectedAlerts.size();
    }

    /** Records arrival − stamp, for events stamped after the warm-up. */
    private void record(Histogram histogram, long arrivedMs, long stampMs) {
        if (stampMs < measureFromMs) {
            return;
        }
        long latencyMs = arrivedMs - stampMs;
        if (latencyMs < 0) {
            negativeLatencies++;
            latencyMs = 0;
        }
        histogram.recordValue(Math.min(latencyMs, histogram.getHighestTrackableValue()));
    }

    private static long millis(JsonNode seconds) {
        return seconds.getBigDecimalValue().movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValue();
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.HOURS.toMillis(1), 3);
    }

    // --- results -------------------------------------------------------------------------------------------------------

    /** Figures of the phase; call after {@link #awaitOutputs}. */
    Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = producedSeconds > 0 ? producedSeconds : (warmup.toMillis() + duration.toMillis()) / 1000.0;
        double achieved = sentTotal / seconds;
        r.put("target_rate", rate);
        r.put("achieved_rate", achieved);
        r.put("target_reached", achieved >= 0.98 * rate);
        r.put("producer_max_lag_ms", maxLagMs);
        r.put("warmup_s", warmup.toMillis() / 1000.0);
        r.put("duration_s", seconds - warmup.toMillis() / 1000.0);
        Map<String, Object> sent = new LinkedHashMap<>();
        sent.put("sensors", sentByKind[0]);
        sent.put("records", sentByKind[1]);
        sent.put("words", sentByKind[2]);
        r.put("sent", sent);
        r.put("expected_alerts", expectedAlerts.size());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("output-topic", percentiles(outputLatency));
        latency.put("temperature-alerts", percentiles(alertLatency));
        latency.put("aggregated-topic", percentiles(aggregateLatency));
        r.put("latency_ms", latency);
        if (negativeLatencies > 0) {
            r.put("negative_latencies_counted_as_0", negativeLatencies);
        }
        return r;
    }

    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            p.put("p50", h.getValueAtPercentile(50));
            p.put("p95", h.getValueAtPercentile(95));
            p.put("p99", h.getValueAtPercentile(99));
            p.put("max", h.getMaxValue());
            p.put("mean", Math.round(h.getMean() * 10) / 10.0);
        }
        return p;
    }

    /** Send stamps of one category's records not yet seen in an aggregate, oldest first (they are sent in order). */
    private static final class StampQueue {
        private long[] items = new long[1024];
        private int head;
        private int tail;

        synchronized void add(long stamp) {
            if (tail == items.length) {
                if (head > items.length / 2) {
                    System.arraycopy(items, head, items, 0, tail - head);
                } else {
                    items = java.util.Arrays.copyOf(items, items.length * 2);
                    System.arraycopy(items, head, items, 0, tail - head);
                }
                tail -= head;
                head = 0;
            }
            items[tail++] = stamp;
        }

        synchronized void popUpTo(long newest, java.util.function.LongConsumer each) {
            while (head < tail && items[head] <= newest) {
                each.accept(items[head++]);
            }
        }

        synchronized int size() {
            return tail - head;
        }
    }
}
