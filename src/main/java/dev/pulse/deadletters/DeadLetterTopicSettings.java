package dev.pulse.deadletters;

import dev.pulse.kafka.TopicSettings;
import dev.pulse.kafka.Topics;
import jakarta.inject.Singleton;
import org.apache.kafka.common.config.TopicConfig;

import java.util.Map;

/**
 * What {@code dead-letter-queue} and {@code dead-letter-replays} are created with: an explicit retention (the broker's
 * default, often 7 days, may be shorter than the time it takes to fix a producer), room for a dead letter of the
 * largest record a default broker accepts, and a replay log that outlives every dead letter it names.
 */
@Singleton
public class DeadLetterTopicSettings implements TopicSettings {

    private final DeadLetterProperties properties;

    public DeadLetterTopicSettings(DeadLetterProperties properties) {
        this.properties = properties;
    }

    @Override
    public Map<String, String> configs(String defaultName) {
        long retention = properties.retentionMs();
        if (Topics.DEAD_LETTER_QUEUE.equals(defaultName)) {
            return Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(properties.maxMessageBytes()));
        }
        if (Topics.DEAD_LETTER_REPLAYS.equals(defaultName)) {
            // Each dead letter is named here once at most, so compaction would find nothing to remove: time-based
            // deletion bounds the topic instead, at twice the queue's retention, so a dead letter still in the queue
            // (kept up to a segment's age past its retention) is always still named here once it was replayed.
            return Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention < 0 || retention > Long.MAX_VALUE / 2 ? -1
                    : retention * 2));
        }
        return Map.of();
    }

    @Override
    public Map<String, Long> atLeast(String defaultName) {
        return Topics.DEAD_LETTER_QUEUE.equals(defaultName)
            ? Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, (long) properties.maxMessageBytes())
            : Map.of();
    }
}
