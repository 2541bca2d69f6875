package dev.pulse.kafka;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the contract's input and output topics that the broker does not have yet, before any
 * listener or the Streams application starts (they depend on this bean). Existing topics are left
 * as they are. Compacted inputs (profiles, catalog, thresholds) are created with
 * {@code cleanup.policy=compact}.
 */
@Context
@Requires(property = "pulse.kafka.create-topics", notEquals = "false")
public class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    private final List<String> created;

    public TopicCreator(AdminClient admin, TopicNames names, KafkaTopicsProperties properties)
        throws InterruptedException {
        this.created = create(admin, names, properties);
    }

    /** @return the topics this instance created at start-up */
    public List<String> created() {
        return created;
    }

    private static List<String> create(AdminClient admin, TopicNames names, KafkaTopicsProperties properties)
        throws InterruptedException {
        long timeoutMs = properties.createTimeout().toMillis();
        try {
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : Topics.INPUTS) {
                addIfMissing(missing, existing, names.resolve(topic), properties, Topics.COMPACTED.contains(topic));
            }
            for (String topic : Topics.OUTPUTS) {
                addIfMissing(missing, existing, names.resolve(topic), properties, false);
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            List<String> createdNames = new ArrayList<>();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
                    createdNames.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e; // another instance creating it at the same moment is fine; anything else is not
                    }
                }
            }
            awaitLeaders(admin, createdNames, timeoutMs);
            LOG.info("Created topics {} ({} partitions, replication factor {})",
                createdNames, properties.partitions(), properties.replicationFactor());
            return List.copyOf(createdNames);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create Pulse's topics on the Kafka cluster: " + e, e);
        }
    }

    /** A created topic takes producers only once every partition has a leader. */
    private static void awaitLeaders(AdminClient admin, List<String> topics, long timeoutMs)
        throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            boolean ready = admin.describeTopics(topics).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                .values().stream()
                .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            if (ready) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TimeoutException("partitions of " + topics + " have no leader yet");
            }
            Thread.sleep(50);
        }
    }

    private static void addIfMissing(List<NewTopic> missing, Set<String> existing, String name,
                                     KafkaTopicsProperties properties, boolean compacted) {
        if (existing.contains(name) || missing.stream().anyMatch(t -> t.name().equals(name))) {
            return;
        }
        NewTopic topic = new NewTopic(name, properties.partitions(), properties.replicationFactor());
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        missing.add(topic);
    }
}
