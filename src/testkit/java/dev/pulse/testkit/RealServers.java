package dev.pulse.testkit;

import io.micronaut.test.support.TestPropertyProvider;

import java.util.HashMap;
import java.util.Map;

/**
 * Implemented by {@code @MicronautTest} classes that run against the real Kafka broker and Redis
 * server of {@link TestServers}. Add per-class properties by overriding {@link #extraProperties()}.
 *
 * <p>The test classes need {@code @TestInstance(PER_CLASS)} (Micronaut reads the properties from
 * the instance).
 */
public interface RealServers extends TestPropertyProvider {

    @Override
    default Map<String, String> getProperties() {
        Map<String, String> properties = new HashMap<>(serverProperties());
        properties.putAll(extraProperties());
        return properties;
    }

    /** The connection settings of the shared servers, for contexts a test starts itself. */
    static Map<String, String> serverProperties() {
        return Map.of(
            "kafka.bootstrap.servers", TestServers.kafkaBootstrapServers(),
            "redis.uri", TestServers.redis().uri(),
            "micronaut.server.port", "-1");
    }

    default Map<String, String> extraProperties() {
        return Map.of();
    }
}
