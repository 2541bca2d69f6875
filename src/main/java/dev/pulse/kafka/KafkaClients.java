package dev.pulse.kafka;

import io.micronaut.configuration.kafka.config.KafkaDefaultConfiguration;
import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.Map;

/**
 * Settings for Kafka clients that Pulse creates itself rather than through micronaut-kafka (the dead-letter replay,
 * which runs in the server and on the command line, where micronaut-kafka is off so that no listener or stream
 * starts): the same {@code kafka.*} connection and security settings micronaut-kafka gives its clients, plus
 * {@code kafka.producers.default.*} or {@code kafka.consumers.default.*}, plus what the caller needs.
 */
@Singleton
public class KafkaClients {

    private final Environment environment;

    public KafkaClients(Environment environment) {
        this.environment = environment;
    }

    /** {@code kafka.*} without micronaut-kafka's own keys: bootstrap servers, security, any client property. */
    public Map<String, Object> common() {
        Map<String, Object> config = new HashMap<>();
        new KafkaDefaultConfiguration(environment).getConfig().forEach((key, value) -> {
            String name = key.toString();
            if (!name.equals("enabled") && !name.startsWith("health.")) {
                config.put(name, value);
            }
        });
        return config;
    }

    public Map<String, Object> producer(Map<String, Object> overrides) {
        return with("kafka.producers.default", overrides);
    }

    public Map<String, Object> consumer(Map<String, Object> overrides) {
        return with("kafka.consumers.default", overrides);
    }

    private Map<String, Object> with(String defaults, Map<String, Object> overrides) {
        Map<String, Object> config = common();
        if (environment.containsProperties(defaults)) {
            config.putAll(environment.getProperties(defaults, StringConvention.RAW));
        }
        config.putAll(overrides);
        return config;
    }
}
