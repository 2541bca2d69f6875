package dev.pulse.aggregates;

import dev.pulse.kafka.Topics;
import dev.pulse.metrics.PulseMetrics;
import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.KafkaTestClient.Received;
import dev.pulse.testkit.TestServers;
import dev.pulse.testkit.TestTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An upgrade from the build before state was versioned, on the real test broker: the changelog of
 * {@link AggregateStores#WORD_COUNTS} holds counts of that build's format (an 8-byte long, the recorded fixture of
 * 42), the application starts with no local state, restores the store from it and goes on counting, writing the
 * versioned format from then on.
 */
class VersionedStateRestoreIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void restoresCountsOfThePreviousFormatFromTheChangelogAndKeepsCounting() throws Exception {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String application = "pulse-versioned-" + suffix;
        String changelog = application + "-" + AggregateStores.WORD_COUNTS + "-changelog";
        String word = "w" + suffix;
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                 TestServers.kafkaBootstrapServers()))) {
            TestTopics.create(admin, List.of(Topics.WORD_COUNTS + "-" + suffix, Topics.WORD_TOTALS + "-" + suffix,
                Topics.DEAD_LETTER_QUEUE + "-" + suffix), 1, Set.of());
            // As the previous build left it: one partition (that of its one input partition), compacted.
            TestTopics.create(admin, List.of(changelog), 1, Set.of(changelog));
            kafka.send(changelog, word.getBytes(StandardCharsets.UTF_8), fixture("long.bin"), null);

            StreamsBuilder builder = new StreamsBuilder();
            InputStreams inputs = new InputStreams(topic -> topic + "-" + suffix, TopologyDriver.inputStreams(new SimpleMeterRegistry()).decoder(),
                TopologyDriver.JSON, new PulseMetrics(new SimpleMeterRegistry()));
            WordTotals.build(builder, inputs);
            Properties config = new Properties();
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
            config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrapServers());
            config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("pulse-versioned").toString());
            config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
            try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
                streams.start();
                kafka.send(Topics.WORD_COUNTS + "-" + suffix, null, "{\"word\": \"" + word + "\"}");

                List<Received> totals = kafka.readUntil(Topics.WORD_TOTALS + "-" + suffix,
                    read -> !read.isEmpty(), WAIT);
                assertEquals(List.of(word + "=43"), totals.stream().map(r -> r.key() + "=" + r.value()).toList(),
                    "42 restored from the previous format, plus one");
                List<Received> logged = kafka.readUntil(changelog, read -> read.size() == 2, WAIT);
                assertArrayEquals(ByteBuffer.allocate(10).put((byte) 0xFF).put(VersionedSerde.VERSION).putLong(43)
                    .array(), logged.get(1).rawValue(), "the new count is logged in the versioned format");
                assertEquals(42L, Serdes.Long().deserializer().deserialize(changelog, logged.get(0).rawValue()));
            }
        }
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = VersionedStateRestoreIntegrationTest.class.getResourceAsStream("state-v0/" + name)) {
            return in.readAllBytes();
        }
    }
}
