package dev.pulse.kafka;

import dev.pulse.testkit.KafkaTestClient;
import dev.pulse.testkit.TestServers;
import io.micronaut.context.env.DefaultEnvironment;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WholeTopicReader} against the real test broker: a topic that does not exist yet (a Kafka Streams changelog
 * before the stream's first rebalance) does not hold up the others, and is read whole once it is created.
 */
class WholeTopicReaderIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void readsTheTopicsThereWhileOneIsMissingAndTheMissingOneWholeOnceItIsCreated() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String present = "whole-present-" + id;
        String later = "whole-later-" + id;
        try (KafkaTestClient kafka = KafkaTestClient.forTestBroker();
             Environment environment = new DefaultEnvironment(() -> List.of())) {
            environment.addPropertySource(PropertySource.of("test", Map.of(
                "kafka.bootstrap.servers", TestServers.kafkaBootstrapServers()), Integer.MAX_VALUE));
            environment.start();
            kafka.createTopics(List.of(present), 2);
            kafka.send(present, "a", "present 1");
            kafka.send(present, "b", "present 2");
            Reader reader = new Reader(present, later, new KafkaClients(environment));
            try {
                await().atMost(WAIT).until(() -> reader.presentRead);
                assertTrue(reader.values.containsAll(List.of("present 1", "present 2")), reader.values::toString);
                assertFalse(reader.laterRead, "a topic that does not exist is not read to its end");
                assertFalse(reader.allRead, "not every topic is read while one does not exist");

                kafka.send(present, "c", "present 3");
                await().atMost(WAIT).until(() -> reader.values.contains("present 3"));
                assertFalse(reader.allRead);

                kafka.createTopics(List.of(later), 1);
                kafka.send(later, "x", "later 1");
                await().atMost(WAIT).until(() -> reader.allRead && reader.values.contains("later 1"));
                assertTrue(reader.laterRead);
                assertEquals(List.of("later 1", "present 1", "present 2", "present 3"),
                    reader.values.stream().sorted().toList(), "every record once");
            } finally {
                reader.close();
            }
        }
    }

    private static final class Reader extends WholeTopicReader<String, String> {

        private final String present;
        private final String later;
        final List<String> values = new CopyOnWriteArrayList<>();
        volatile boolean presentRead;
        volatile boolean laterRead;
        volatile boolean allRead;

        Reader(String present, String later, KafkaClients clients) {
            super("whole-topic-reader-test", "the test fails", List.of(present, later), clients,
                new StringDeserializer(), new StringDeserializer());
            this.present = present;
            this.later = later;
            start();
        }

        @Override
        protected void polled(ConsumerRecords<String, String> records, Map<TopicPartition, Long> ends, boolean atEnd) {
            records.forEach(record -> values.add(record.value()));
            presentRead = readToEnd(present);
            laterRead = readToEnd(later);
            allRead = atEnd;
        }

        void close() throws InterruptedException {
            stop();
        }
    }
}
