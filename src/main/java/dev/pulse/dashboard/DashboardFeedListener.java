package dev.pulse.dashboard;

import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.configuration.kafka.ConsumerSeekAware;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.configuration.kafka.seek.KafkaSeekOperation;
import io.micronaut.configuration.kafka.seek.KafkaSeeker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Follows Pulse's output topics on every instance (a group of its own per instance, starting a
 * little before the end of each partition) to mark cached dashboard answers out of date the moment
 * the state they show changes. What the answers show is in the Kafka Streams stores, which have a
 * record before its transaction commits, or in the alert state in Redis, written before the alert's
 * transaction commits: by the time a record is read here, a fresh answer shows it. The alert lists
 * are bumped by {@link AlertHistoryReader} instead, once the alert is in this instance's view. The
 * records re-read at start bump the groups they touch again: their state may have changed while no
 * instance was following.
 *
 * <p>The same bumps mark this instance's near-cached answers out of date ({@link NearCache}), which it serves only
 * while this listener holds its partitions: from each assignment, which drops them all (changes may have gone unseen
 * before it), to the next revocation or loss. Where a record is the whole answer (a word's total on
 * {@code word-totals}, a user's home-page clicks on {@code click-counts}), the feed then keeps that answer near
 * if a read has put one there before ({@link DashboardCache#fed}), so the next read after the change needs no store.
 *
 * <p>In: every aggregate and join output topic and {@code temperature-alerts} (a device's
 * {@code alert_state}), {@code read_committed}. Out: nothing on Kafka; version bumps in Redis and in this instance's
 * memory, and the answers records carry whole in this instance's memory. A
 * record it cannot read is logged and skipped: these topics are Pulse's own output, and the dashboard
 * must not stop over one of them.
 */
@KafkaListener(uniqueGroupId = true, groupId = "pulse-dashboard", offsetReset = OffsetReset.LATEST,
    isolation = IsolationLevel.READ_COMMITTED, batch = true)
public class DashboardFeedListener implements ConsumerSeekAware {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardFeedListener.class);

    private final DashboardCache cache;
    private final TopicNames topics;
    private final int replay;
    /** The offset after the last record of each partition whose changes have been marked: how far the feed is. */
    private final Map<TopicPartition, Long> marked = new ConcurrentHashMap<>();

    public DashboardFeedListener(DashboardCache cache, TopicNames topics, DashboardProperties properties) {
        this.cache = cache;
        this.topics = topics;
        this.replay = properties.replayPerPartition();
    }

    @Topic({Topics.WORD_TOTALS_PROPERTY, Topics.AGGREGATED_TOPIC_PROPERTY, Topics.WINDOWED_AGGREGATES_PROPERTY,
        Topics.EVENT_COUNTS_PROPERTY, Topics.CLICK_COUNTS_PROPERTY, Topics.TOP_PAGES_PROPERTY,
        Topics.USER_SESSIONS_PROPERTY, Topics.DEVICE_AVERAGES_PROPERTY, Topics.TEMPERATURE_ALERTS_PROPERTY,
        Topics.CLICK_PURCHASES_PROPERTY, Topics.ENRICHED_CLICKS_PROPERTY})
    public void receive(List<ConsumerRecord<String, String>> records) {
        Set<String> changed = new LinkedHashSet<>();
        Map<String, Fed> fed = new LinkedHashMap<>();
        Map<TopicPartition, Long> next = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            try {
                apply(record, changed, fed);
            } catch (RuntimeException e) {
                LOG.warn("dashboard feed skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.toString());
            }
            next.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
        }
        cache.changed(changed);
        fed.values().forEach(answer -> cache.fed(answer.group(), answer.entry(), answer.answer()));
        marked.putAll(next);
    }

    /** Whether the changes of the record at {@code offset} of the partition have been marked (this instance's view). */
    boolean marked(String topic, int partition, long offset) {
        return marked.getOrDefault(new TopicPartition(topic, partition), 0L) > offset;
    }

    /**
     * Adds the groups whose state the record shows changed, and, where the record is the whole answer of its group,
     * replaces that group's answer in {@code fed} (a group's last record in the batch is its newest).
     */
    private void apply(ConsumerRecord<String, String> record, Set<String> changed, Map<String, Fed> fed) {
        String topic = record.topic();
        String key = record.key() == null ? "" : record.key();
        if (topic.equals(topics.resolve(Topics.WORD_TOTALS))) {
            String group = CacheGroups.word(key);
            changed.add(group);
            changed.add(CacheGroups.WORDS);
            feedCount(record, group, WordQueries.COUNT, WordQueries::countAnswer, fed);
        } else if (topic.equals(topics.resolve(Topics.AGGREGATED_TOPIC))) {
            changed.add(CacheGroups.CATEGORIES);
            changed.add(CacheGroups.categoryWindows(key));
        } else if (topic.equals(topics.resolve(Topics.WINDOWED_AGGREGATES))) {
            changed.add(CacheGroups.categoryWindows(key));
        } else if (topic.equals(topics.resolve(Topics.EVENT_COUNTS))) {
            changed.add(CacheGroups.EVENT_COUNTS);
        } else if (topic.equals(topics.resolve(Topics.CLICK_COUNTS))) {
            String group = CacheGroups.homeClicks(key);
            changed.add(group);
            feedCount(record, group, HomeClickQueries.COUNT, HomeClickQueries::countAnswer, fed);
        } else if (topic.equals(topics.resolve(Topics.TOP_PAGES))) {
            changed.add(CacheGroups.PAGES);
        } else if (topic.equals(topics.resolve(Topics.USER_SESSIONS))) {
            changed.add(CacheGroups.sessions(key));
        } else if (topic.equals(topics.resolve(Topics.DEVICE_AVERAGES))) {
            changed.add(CacheGroups.device(key));
            changed.add(CacheGroups.DEVICES);
        } else if (topic.equals(topics.resolve(Topics.TEMPERATURE_ALERTS))) {
            changed.add(CacheGroups.device(key));
            changed.add(CacheGroups.DEVICES); // the device list shows each device's alert state
        } else if (topic.equals(topics.resolve(Topics.CLICK_PURCHASES))) {
            changed.add(CacheGroups.CONVERSIONS);
        } else if (topic.equals(topics.resolve(Topics.ENRICHED_CLICKS))) {
            changed.add(CacheGroups.enrichedClicks(key));
        }
    }

    /**
     * Replaces {@code group}'s answer in {@code fed} by the one the record's count makes; a record without a key or a
     * count, or whose count does not parse (it throws), leaves the group to the stores, not to an older record.
     */
    private static void feedCount(ConsumerRecord<String, String> record, String group, String entry,
                                  BiFunction<String, Long, Map<String, Object>> answer, Map<String, Fed> fed) {
        fed.remove(group);
        if (record.key() != null && record.value() != null) {
            String key = record.key();
            long count = Long.parseLong(record.value());
            fed.put(group, new Fed(group, entry, () -> answer.apply(key, count)));
        }
    }

    /** An answer a record carried whole: {@code answer} for {@code entry} of {@code group}, built if kept. */
    private record Fed(String group, String entry, Supplier<Map<String, Object>> answer) {
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions, KafkaSeeker seeker) {
        // Start a little before the end, so what changed while no instance was following is announced again.
        for (TopicPartition partition : partitions) {
            seeker.perform(KafkaSeekOperation.seekRelativeToEnd(partition, replay));
        }
        // Every change committed from now on is read; what changed before may have gone unseen here.
        cache.following(true);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) { // an eager rebalance's first call revokes nothing
            cache.following(false);
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        cache.following(false);
    }
}
