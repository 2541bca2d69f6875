package dev.pulse.kafka;

import dev.pulse.testkit.RealServers;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    void talksToTheRealRedisServer() {
        redis.sync().set("pulse:test:ping", "pong");
        assertEquals("pong", redis.sync().get("pulse:test:ping"));
    }
}
