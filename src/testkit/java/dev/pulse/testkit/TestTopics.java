package dev.pulse.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Creating topics for a test or a benchmark run, ready to take records once created. */
public final class TestTopics {

    private TestTopics() {
    }

    /**
     * Creates the topics with one replica each ({@code compacted} ones with {@code cleanup.policy=compact}) and waits
     * until every partition answers a ListOffsets at its leader: a new topic's leader is in the metadata a little
     * before the broker serves it, and producing in between draws NOT_LEADER_OR_FOLLOWER retries.
     */
    public static void create(Admin admin, Collection<String> names, int partitions, Set<String> compacted)
        throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            NewTopic topic = new NewTopic(name, partitions, (short) 1);
            if (compacted.contains(name)) {
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            topics.add(topic);
        }
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (String name : names) {
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
        }
        await("the leaders of " + names + " serving").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(200)).ignoreException(ExecutionException.class)
            .until(() -> admin.listOffsets(request).all().get(10, TimeUnit.SECONDS) != null);
    }
}
