package dev.pulse.kafka;

import java.util.Map;

/**
 * Topic configuration that a feature needs for a topic of its own, beyond what {@link TopicCreator} gives every
 * topic (partitions, replication, compaction of the tables). The feature owns the setting; the creator applies it.
 */
public interface TopicSettings {

    /**
     * @param defaultName one of the {@link Topics} constants
     * @return topic configs ({@code retention.ms}, {@code max.message.bytes}, …) for the topic when it is created;
     *         empty for the broker's defaults
     */
    Map<String, String> configs(String defaultName);

    /**
     * @param defaultName one of the {@link Topics} constants
     * @return numeric configs an existing topic is raised to when it has less (never lowered): what records of the
     *         topic need to be accepted at all
     */
    default Map<String, Long> atLeast(String defaultName) {
        return Map.of();
    }
}
