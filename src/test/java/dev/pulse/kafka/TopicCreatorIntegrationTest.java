package dev.pulse.kafka;

import dev.pulse.testkit.RealServers;
import dev.pulse.testkit.TestServers;
import dev.pulse.deadletters.DeadLetterProperties;
import dev.pulse.deadletters.DeadLetterTopicSettings;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void instancesStartingTogetherAllCreateTheSameNewTopicsAndEachTopicOnce() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        TopicNames names = new TopicNames(null) {
            @Override
            public String resolve(String defaultName) {
                return defaultName + "-race-" + id;
            }
        };
        KafkaTopicsProperties properties = new KafkaTopicsProperties(true, 3, (short) 1, Duration.ofSeconds(60));
        int instances = 5;
        List<Admin> admins = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> racers = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                AdminClient own = AdminClient.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    TestServers.kafkaBootstrapServers()));
                admins.add(own);
                racers.add(pool.submit(() -> {
                    start.await();
                    return new TopicCreator(own, names, properties, List.of()).created();
                }));
            }
            start.countDown();
            List<String> createdByAll = new ArrayList<>();
            for (Future<List<String>> racer : racers) {
                createdByAll.addAll(racer.get(90, TimeUnit.SECONDS)); // throws if any instance failed to start
            }

            List<String> expected = new ArrayList<>();
            Topics.INPUTS.forEach(t -> expected.add(names.resolve(t)));
            Topics.OUTPUTS.forEach(t -> expected.add(names.resolve(t)));
            Topics.INTERNAL.forEach(t -> expected.add(names.resolve(t)));
            assertEquals(new HashSet<>(expected), new HashSet<>(createdByAll), "every topic created");
            assertEquals(expected.size(), createdByAll.size(), "each topic created by exactly one instance");
            Map<String, TopicDescription> described = admin.describeTopics(expected).allTopicNames().get(30, TimeUnit.SECONDS);
            for (TopicDescription topic : described.values()) {
                assertEquals(3, topic.partitions().size(), topic.name());
                assertTrue(topic.partitions().stream().allMatch(p -> p.leader() != null), topic.name() + " has leaders");
            }
            ConfigResource profiles = new ConfigResource(ConfigResource.Type.TOPIC, names.resolve(Topics.USER_PROFILES));
            assertEquals("compact", admin.describeConfigs(List.of(profiles)).all().get().get(profiles)
                .get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        } finally {
            pool.shutdownNow();
            admins.forEach(Admin::close);
        }
    }

    @Test
    void waitsForLeadersOfATopicTheBrokerDoesNotKnowYetInsteadOfFailing() throws Exception {
        String topic = "not-yet-" + UUID.randomUUID();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                TopicCreator.awaitLeaders(admin, List.of(topic), Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The broker answers UnknownTopicOrPartitionException all this time: retried, not fatal.
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        waiting.get(60, TimeUnit.SECONDS);
        assertFalse(waiting.isCompletedExceptionally());
        assertTrue(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
            .allMatch(p -> p.leader() != null));
    }
}
