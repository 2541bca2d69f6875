package dev.pulse.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The test broker keeps records however old their timestamps: the contract's samples carry event times of 2021 and
 * 2023, Pulse's outputs keep them, and a broker with Kafka's default retention (7 days by record time) deletes such
 * records at its first retention check after they are written.
 */
class EmbeddedKafkaRetentionTest {

    /** The tutorials' sample click time, 2021-01-01T00:00:00Z. */
    private static final long OLD = Instant.parse("2021-01-01T00:00:00Z").toEpochMilli();

    @Test
    void keepsRecordsWithOldTimestampsThroughARetentionCheck() throws Exception {
        // A retention check every 100 ms from the start, instead of 30 s after start and then every 5 minutes.
        try (EmbeddedKafka kafka = EmbeddedKafka.startWith(Map.of(
                "log.retention.check.interval.ms", "100", "log.initial.task.delay.ms", "0"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                 ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                 new StringSerializer(), new StringSerializer())) {
            // The control: a topic with the 7 days Kafka keeps by default, which proves the checks run.
            admin.createTopics(List.of(
                new NewTopic("kept", 1, (short) 1),
                new NewTopic("seven-days", 1, (short) 1).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG,
                    Long.toString(Duration.ofDays(7).toMillis()))))).all().get(30, TimeUnit.SECONDS);
            for (String topic : List.of("kept", "seven-days")) {
                producer.send(new ProducerRecord<>(topic, 0, OLD, "alice", "a click of 2021")).get(30, TimeUnit.SECONDS);
            }

            Awaitility.await("the seven-day topic's old record deleted").atMost(Duration.ofSeconds(60))
                .until(() -> firstOffset(admin, "seven-days") == 1);
            assertEquals(0, firstOffset(admin, "kept"), "the broker's own retention deleted nothing");
        }
    }

    private static long firstOffset(Admin admin, String topic) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).all().get(30, TimeUnit.SECONDS)
            .get(partition).offset();
    }
}
