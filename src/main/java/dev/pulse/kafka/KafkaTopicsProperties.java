package dev.pulse.kafka;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How Pulse creates the contract's topics when they are missing ({@code pulse.kafka.*}).
 *
 * @param createTopics   create missing topics at start-up
 * @param partitions     partitions of each created topic
 * @param replicationFactor replicas of each created topic
 * @param createTimeout  how long start-up waits for the broker to create them
 */
@ConfigurationProperties("pulse.kafka")
public record KafkaTopicsProperties(
    @Bindable(defaultValue = "true") boolean createTopics,
    @Bindable(defaultValue = "3") int partitions,
    @Bindable(defaultValue = "1") short replicationFactor,
    @Bindable(defaultValue = "60s") Duration createTimeout) {
}
