package dev.pulse.kafka;

import io.micronaut.configuration.kafka.streams.ConfiguredStreamBuilder;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.kstream.KStream;

import java.util.regex.Pattern;

/**
 * Kafka Streams refuses to start a topology without a source, and micronaut-kafka-streams starts one at start-up.
 * Until the application has its own topologies, the listener tests that start a full context switch this on
 * ({@code pulse.test.placeholder-topology=true}): a source matching no topic, which subscribes to nothing.
 */
@Factory
@Requires(property = "pulse.test.placeholder-topology", value = "true")
class PlaceholderTopology {

    @Singleton
    KStream<byte[], byte[]> listenerTestPlaceholder(ConfiguredStreamBuilder builder) {
        return builder.stream(Pattern.compile("pulse-listener-test-placeholder-matches-no-topic"));
    }
}
