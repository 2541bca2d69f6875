package dev.pulse.testkit;

import dev.pulse.kafka.Topics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Topic names and consumer groups of the listeners, unique to one test class, so tests sharing the JVM's broker
 * never see each other's records.
 */
public final class IsolatedTopics {

    private static final List<String> LISTENER_TOPICS = List.of(Topics.INPUT_TOPIC, Topics.OUTPUT_TOPIC,
        Topics.REAL_TIME_DATA, Topics.DEVICE_THRESHOLDS, Topics.TEMPERATURE_ALERTS, Topics.TRANSACTIONS,
        Topics.FRAUD_ALERTS, Topics.PRODUCT_CATALOG, Topics.DEAD_LETTER_QUEUE);
    private static final List<String> LISTENERS = List.of("transform", "sensor", "thresholds", "fraud", "catalog");

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    public String name(String contractTopic) {
        return contractTopic + "-" + suffix;
    }

    public String suffix() {
        return suffix;
    }

    /**
     * The consumer group of a listener ({@code transform}, {@code sensor}, {@code thresholds}, {@code fraud},
     * {@code catalog}) under {@link #properties()}.
     */
    public String group(String listener) {
        return "it-" + listener + "-" + suffix;
    }

    /** The names of the listeners' topics, inputs and outputs, for a test that creates them beforehand. */
    public List<String> listenerTopics() {
        return LISTENER_TOPICS.stream().map(this::name).toList();
    }

    /** {@code pulse.topics.*} for the listeners' topics and {@code pulse.listeners.*.group-id} for their groups. */
    public Map<String, String> properties() {
        Map<String, String> properties = new HashMap<>();
        for (String topic : LISTENER_TOPICS) {
            properties.put("pulse.topics." + topic, name(topic));
        }
        for (String listener : LISTENERS) {
            properties.put("pulse.listeners." + listener + ".group-id", group(listener));
        }
        return properties;
    }

    /** As {@link #properties()}, for every topic of the contract: inputs and outputs alike. */
    public Map<String, String> allTopicsProperties() {
        Map<String, String> properties = properties();
        for (String topic : Topics.INPUTS) {
            properties.put("pulse.topics." + topic, name(topic));
        }
        for (String topic : Topics.OUTPUTS) {
            properties.put("pulse.topics." + topic, name(topic));
        }
        return properties;
    }
}
