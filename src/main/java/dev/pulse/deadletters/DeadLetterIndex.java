package dev.pulse.deadletters;

import dev.pulse.dashboard.StateNotReadyException;
import dev.pulse.events.WireTime;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code GET /api/dead-letters} answers from: a summary of the newest {@code pulse.dead-letters.index-size}
 * dead letters (by rejection time; 50,000 by default, about 300 bytes each), filled by
 * {@link DeadLetterQueueReader}, which reads the whole queue on every instance. Which letters are held depends only
 * on the queue's contents, not on the order they were read in, so every instance that has read the queue to the end
 * it had when the instance started holds the same ones and gives the same answer; until then ({@link #complete()}) it
 * answers nothing but a 503, so that a starting instance behind a load balancer never lists a part of the queue as if
 * it were all of it. Items, counts and the per-minute series all come from the held
 * letters; beyond the bound the oldest are dropped (Prometheus' {@code pulse_dead_letters_total} still counts them,
 * and a replay reads the queue itself, so it is not bounded).
 */
@Singleton
public class DeadLetterIndex {

    private static final int ERROR_CHARS = 1000;
    private static final int KEY_CHARS = 200;

    /** One held dead letter; {@code key} is for display: the text key, or {@code base64:…} for one that is not text. */
    record Entry(int dlqPartition, long dlqOffset, String sourceTopic, int partition, long offset, String error,
                 DeadLetterReason reason, long rejectedAtMs, @Nullable Long originalTimestamp, int originalSize,
                 @Nullable String key) {
    }

    private static final Comparator<Entry> OLDEST_FIRST = Comparator.comparingLong(Entry::rejectedAtMs)
        .thenComparingInt(Entry::dlqPartition).thenComparingLong(Entry::dlqOffset);

    private final String topic;
    private final int capacity;
    private final TreeSet<Entry> entries = new TreeSet<>(OLDEST_FIRST);
    private final Map<Integer, Long> nextOffsets = new HashMap<>();
    private final Map<String, String> topicNames = new HashMap<>();
    private volatile boolean complete;

    @Inject
    public DeadLetterIndex(TopicNames topicNames, DeadLetterProperties properties) {
        this(topicNames.resolve(Topics.DEAD_LETTER_QUEUE), properties.indexSize());
    }

    public DeadLetterIndex(String topic, int capacity) {
        this.topic = topic;
        this.capacity = capacity;
    }

    /**
     * Adds the dead letter at {@code dlqPartition}/{@code dlqOffset}; a letter at or before one already added for that
     * partition is ignored, so reading a record again changes nothing.
     *
     * @param recordKey the dead-letter record's key, for letters written before they carried {@code original_key}
     */
    public synchronized void add(int dlqPartition, long dlqOffset, DeadLetter letter, @Nullable String recordKey) {
        if (!advance(dlqPartition, dlqOffset)) {
            return;
        }
        String error = letter.error() == null ? "" : letter.error();
        String key = letter.originalKey() != null
            ? (DeadLetter.BASE64.equals(letter.keyEncoding()) ? "base64:" : "") + letter.originalKey()
            : letter.originalHeaders() == null ? recordKey
            : null;
        entries.add(new Entry(dlqPartition, dlqOffset,
            topicNames.computeIfAbsent(String.valueOf(letter.sourceTopic()), t -> t), letter.partition(), letter.offset(),
            cut(error, ERROR_CHARS), letter.reason(), DeadLetterFilter.rejectedAtMs(letter), letter.originalTimestamp(),
            letter.originalSize(), key == null ? null : cut(key, KEY_CHARS)));
        while (entries.size() > capacity) {
            entries.pollFirst();
        }
    }

    /** Notes that {@code dlqOffset} was read (also for a record that is not a dead letter); false if it was before. */
    public synchronized boolean advance(int dlqPartition, long dlqOffset) {
        Long next = nextOffsets.get(dlqPartition);
        if (next != null && dlqOffset < next) {
            return false;
        }
        nextOffsets.put(dlqPartition, dlqOffset + 1);
        return true;
    }

    /** Marks the index as holding everything the queue held when this instance started. */
    public void complete() {
        complete = true;
    }

    /** Whether the queue has been read to the end it had when this instance started. */
    public boolean isComplete() {
        return complete;
    }

    /**
     * The answer of {@code GET /api/dead-letters}: the newest {@code limit} matching letters under {@code items}, and
     * counts per source topic, per reason and per minute and source topic of every held letter that matches.
     *
     * @throws StateNotReadyException until the index is complete
     */
    public Map<String, Object> query(DeadLetterFilter filter, int limit, long nowMillis) {
        if (!complete) {
            throw StateNotReadyException.because("this instance is still reading " + topic + " from its beginning, "
                + "which the dead-letter list is made of");
        }
        List<Entry> newestFirst = new ArrayList<>();
        Map<String, Long> perTopic = new TreeMap<>();
        Map<String, Long> perReason = new TreeMap<>();
        TreeMap<Long, TreeMap<String, Long>> perMinute = new TreeMap<>();
        synchronized (this) {
            for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
                Entry entry = it.next();
                if (!filter.matches(entry.sourceTopic(), entry.reason(), entry.rejectedAtMs())) {
                    continue;
                }
                if (newestFirst.size() < limit) {
                    newestFirst.add(entry);
                }
                perTopic.merge(entry.sourceTopic(), 1L, Long::sum);
                perReason.merge(entry.reason().label(), 1L, Long::sum);
                perMinute.computeIfAbsent(Math.floorDiv(entry.rejectedAtMs(), 60_000L) * 60, m -> new TreeMap<>())
                    .merge(entry.sourceTopic(), 1L, Long::sum);
            }
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (Entry entry : newestFirst) {
            items.add(item(entry));
        }
        List<Map<String, Object>> minutes = new ArrayList<>();
        perMinute.forEach((minute, topics) -> topics.forEach((sourceTopic, count) -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("minute", minute);
            point.put("source_topic", sourceTopic);
            point.put("count", count);
            minutes.add(point);
        }));
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("source_topics", largestFirst(perTopic));
        counts.put("reasons", largestFirst(perReason));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("as_of", nowMillis);
        answer.put("source", "state");
        answer.put("items", items);
        answer.put("counts", counts);
        answer.put("per_minute", minutes);
        return answer;
    }

    /** How many dead letters are held. */
    public synchronized int size() {
        return entries.size();
    }

    private Map<String, Object> item(Entry entry) {
        Map<String, Object> deadLetter = new LinkedHashMap<>();
        deadLetter.put("topic", topic);
        deadLetter.put("partition", entry.dlqPartition());
        deadLetter.put("offset", entry.dlqOffset());
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("dead_letter", deadLetter);
        item.put("source_topic", entry.sourceTopic());
        item.put("partition", entry.partition());
        item.put("offset", entry.offset());
        item.put("error", entry.error());
        item.put("reason", entry.reason().label());
        item.put("timestamp", WireTime.epochSeconds(entry.rejectedAtMs()));
        item.put("original_timestamp", entry.originalTimestamp());
        item.put("original_size", entry.originalSize());
        item.put("key", entry.key());
        return item;
    }

    /** Counts by name, the largest first (ties by name). */
    private static Map<String, Long> largestFirst(Map<String, Long> counts) {
        Map<String, Long> ordered = new LinkedHashMap<>();
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
