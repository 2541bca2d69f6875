package dev.pulse.kafka;

import dev.pulse.deadletters.DeadLetterProperties;
import dev.pulse.deadletters.DeadLetterTopicSettings;
import dev.pulse.support.RealServers;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicCreatorIntegrationTest implements RealServers {

    @Inject
    AdminClient admin;

    @Inject
    StatefulRedisConnection<String, String> redis;

    @Test
    void createsEveryContractTopicAtStartUpWithCompactedTables() throws Exception {
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<String> expected = new ArrayList<>(Topics.INPUTS);
        expected.addAll(Topics.OUTPUTS);
        for (String topic : expected) {
            assertTrue(topics.contains(topic), () -> topic + " missing from " + topics);
        }
        assertEquals(3, admin.describeTopics(List.of(Topics.REAL_TIME_DATA)).allTopicNames().get()
            .get(Topics.REAL_TIME_DATA).partitions().size());

        ConfigResource profiles = new ConfigResource(ConfigResource.Type.TOPIC, Topics.USER_PROFILES);
        ConfigResource clicks = new ConfigResource(ConfigResource.Type.TOPIC, Topics.USER_CLICKS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(profiles, clicks)).all().get();
        assertEquals("compact", configs.get(profiles).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        assertEquals("delete", configs.get(clicks).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
    }

    @Test
    void createsTheDeadLetterQueueWithItsRetentionAndRoomForWholeValuesAndTheReplayLog() throws Exception {
        ConfigResource queue = new ConfigResource(ConfigResource.Type.TOPIC, Topics.DEAD_LETTER_QUEUE);
        ConfigResource log = new ConfigResource(ConfigResource.Type.TOPIC, Topics.DEAD_LETTER_REPLAYS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(queue, log)).all().get();

        assertEquals(Long.toString(Duration.ofDays(14).toMillis()),
            configs.get(queue).get(TopicConfig.RETENTION_MS_CONFIG).value());
        assertEquals("8388608", configs.get(queue).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
        assertEquals("delete", configs.get(log).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        assertEquals(Long.toString(Duration.ofDays(28).toMillis()),
            configs.get(log).get(TopicConfig.RETENTION_MS_CONFIG).value());
    }

    @Test
    void raisesTheRoomOfAnExistingDeadLetterQueueButLeavesItsRetention() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String queue = Topics.DEAD_LETTER_QUEUE + "-" + suffix;
        admin.createTopics(List.of(new NewTopic(queue, 1, (short) 1).configs(Map.of(
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1000000", TopicConfig.RETENTION_MS_CONFIG, "3600000")))).all().get();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
            .until(() -> admin.listTopics().names().get().contains(queue));
        TopicNames suffixed = new TopicNames(null) {
            @Override
            public String resolve(String defaultName) {
                return defaultName + "-" + suffix;
            }
        };

        new TopicCreator(admin, suffixed, new KafkaTopicsProperties(true, 1, (short) 1, Duration.ofSeconds(30)),
            List.of(new DeadLetterTopicSettings(new DeadLetterProperties(Duration.ofDays(14), 8_388_608, 1, 1, 1))));

        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, queue);
        // The broker applies a config change a moment after it accepted it.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals("8388608", config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
            assertEquals("3600000", config.get(TopicConfig.RETENTION_MS_CONFIG).value(), "an operator's retention stays");
        });
    }

    @Test
    void talksToTheRealRedisServer() {
        redis.sync().set("pulse:test:ping", "pong");
        assertEquals("pong", redis.sync().get("pulse:test:ping"));
    }
}
