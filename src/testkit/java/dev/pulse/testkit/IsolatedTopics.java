package dev.pulse.testkit;

import dev.pulse.kafka.Topics;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Topic names and consumer groups of the listeners, unique to one test class, so tests sharing the JVM's broker
 * never see each other's records.
 */
public final class IsolatedTopics {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    public String name(String contractTopic) {
        return contractTopic + "-" + suffix;
    }

    public String suffix() {
        return suffix;
    }

    /** {@code pulse.topics.*} for the listeners' topics and {@code pulse.listeners.*.group-id} for their groups. */
    public Map<String, String> properties() {
        Map<String, String> properties = new HashMap<>();
        for (String topic : new String[] {Topics.INPUT_TOPIC, Topics.OUTPUT_TOPIC, Topics.REAL_TIME_DATA,
            Topics.DEVICE_THRESHOLDS, Topics.TEMPERATURE_ALERTS, Topics.TRANSACTIONS, Topics.FRAUD_ALERTS,
            Topics.PRODUCT_CATALOG, Topics.DEAD_LETTER_QUEUE}) {
            properties.put("pulse.topics." + topic, name(topic));
        }
        for (String listener : new String[] {"transform", "sensor", "thresholds", "fraud", "catalog"}) {
            properties.put("pulse.listeners." + listener + ".group-id", "it-" + listener + "-" + suffix);
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
