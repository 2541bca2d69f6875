package dev.pulse.aggregates;

import dev.pulse.kafka.TopicSettings;
import dev.pulse.kafka.Topics;
import jakarta.inject.Singleton;
import org.apache.kafka.common.config.TopicConfig;

import java.util.Map;

/**
 * {@code word-totals-top} is created compacted: only each partition's latest top words matter, and every instance
 * reads the topic whole at start-up, so it must stay as small as the number of partitions.
 */
@Singleton
public class TopWordsTopicSettings implements TopicSettings {

    @Override
    public Map<String, String> configs(String defaultName) {
        return Topics.WORD_TOTALS_TOP.equals(defaultName)
            ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
            : Map.of();
    }
}
