package dev.pulse.testkit;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;
import java.util.UUID;

/**
 * Gives the aggregates stream of every test application context an application id and a state
 * directory of its own. The contexts of one test JVM start one after another against the shared
 * broker: with the production id and directory, each would wait for the previous context's group
 * member to time out, restore state written against an earlier broker, and could find the directory
 * still locked by a stream that is closing. A test that sets either itself keeps its setting.
 */
@Singleton
@Requires(env = Environment.TEST)
class StreamsInstancePerTestContext implements BeanCreatedEventListener<ConfiguredStreamBuilder> {

    private static final String PRODUCTION_ID = "pulse-aggregates";

    @Override
    public ConfiguredStreamBuilder onCreated(BeanCreatedEvent<ConfiguredStreamBuilder> event) {
        Properties config = event.getBean().getConfiguration();
        String instance = UUID.randomUUID().toString().substring(0, 8);
        if (PRODUCTION_ID.equals(config.getProperty(StreamsConfig.APPLICATION_ID_CONFIG))) {
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, PRODUCTION_ID + "-test-" + instance);
        }
        if (!config.containsKey(StreamsConfig.STATE_DIR_CONFIG)) {
            try {
                config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("pulse-streams-test-").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return event.getBean();
    }
}
