package dev.pulse.aggregates;

import dev.pulse.kafka.TopicSettings;
import dev.pulse.kafka.Topics;
import jakarta.inject.Singleton;
import org.apache.kafka.common.config.TopicConfig;

import java.util.Map;

/**
 * The read models' topics ({@link Topics#READ_MODELS}: {@code word-totals-top}, {@code aggregated-topic-categories},
 * {@code top-pages-latest}) are created compacted: only each partition's latest list matters, and every instance reads
 * them whole at start-up, so they must stay as small as the number of partitions.
 */
@Singleton
public class ReadModelTopicSettings implements TopicSettings {

    @Override
    public Map<String, String> configs(String defaultName) {
        return Topics.READ_MODELS.contains(defaultName)
            ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)
            : Map.of();
    }
}
