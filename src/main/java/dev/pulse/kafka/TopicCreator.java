package dev.pulse.kafka;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the contract's input and output topics that the broker does not have yet, before any
 * listener or the Streams application starts (they depend on this bean). Existing topics are left
 * as they are, except that a config a {@link TopicSettings} needs at least (the dead-letter queue's
 * {@code max.message.bytes}) is raised. Compacted inputs (profiles, catalog, thresholds) are created with
 * {@code cleanup.policy=compact}; Pulse's internal topics ({@link Topics#INTERNAL}) are created too.
 */
@Context
@Requires(property = "pulse.kafka.create-topics", notEquals = "false")
public class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    private final List<String> created;

    public TopicCreator(AdminClient admin, TopicNames names, KafkaTopicsProperties properties,
                        List<TopicSettings> settings) throws InterruptedException {
        this.created = create(admin, names, properties, settings);
    }

    /** @return the topics this instance created at start-up */
    public List<String> created() {
        return created;
    }

    private static List<String> create(AdminClient admin, TopicNames names, KafkaTopicsProperties properties,
                                       List<TopicSettings> settings) throws InterruptedException {
        long timeoutMs = properties.createTimeout().toMillis();
        try {
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<String> all = new ArrayList<>(Topics.INPUTS);
            all.addAll(Topics.OUTPUTS);
            all.addAll(Topics.INTERNAL);
            Map<String, Map<String, Long>> raise = new HashMap<>();
            Map<String, Map<String, Long>> atLeastByName = new HashMap<>();
            for (String topic : all) {
                Map<String, String> configs = new HashMap<>();
                Map<String, Long> atLeast = new HashMap<>();
                for (TopicSettings setting : settings) {
                    configs.putAll(setting.configs(topic));
                    atLeast.putAll(setting.atLeast(topic));
                }
                if (Topics.COMPACTED.contains(topic)) {
                    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
                }
                String name = names.resolve(topic);
                if (!atLeast.isEmpty()) {
                    atLeastByName.put(name, atLeast);
                }
                if (existing.contains(name)) {
                    if (!atLeast.isEmpty()) {
                        raise.put(name, atLeast);
                    }
                } else {
                    addIfMissing(missing, name, properties, configs);
                }
            }
            if (missing.isEmpty()) {
                raiseConfigs(admin, raise, timeoutMs);
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
                    if (atLeastByName.containsKey(entry.getKey())) {
                        raise.put(entry.getKey(), atLeastByName.get(entry.getKey())); // it may be an older one
                    }
                }
            }
            raiseConfigs(admin, raise, timeoutMs);
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
            boolean ready;
            try {
                ready = admin.describeTopics(topics).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                    .values().stream()
                    .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false; // created, but not yet in the metadata of the broker that answered
            }
            if (ready) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TimeoutException("partitions of " + topics + " have no leader yet");
            }
            Thread.sleep(50);
        }
    }

    private static void addIfMissing(List<NewTopic> missing, String name, KafkaTopicsProperties properties,
                                     Map<String, String> configs) {
        if (missing.stream().anyMatch(t -> t.name().equals(name))) {
            return;
        }
        NewTopic topic = new NewTopic(name, properties.partitions(), properties.replicationFactor());
        if (!configs.isEmpty()) {
            topic.configs(Map.copyOf(configs));
        }
        missing.add(topic);
    }

    /**
     * Raises numeric configs of existing topics that are below what their records need (a topic made by an earlier
     * version, or by hand). Never lowers one. A cluster that does not let Pulse alter configs gets a warning: the
     * operator must then raise them.
     */
    private static void raiseConfigs(AdminClient admin, Map<String, Map<String, Long>> raise, long timeoutMs)
        throws InterruptedException {
        if (raise.isEmpty()) {
            return;
        }
        try {
            List<ConfigResource> resources = raise.keySet().stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
            Map<ConfigResource, Config> current = admin.describeConfigs(resources).all()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
            for (ConfigResource resource : resources) {
                for (var wanted : raise.get(resource.name()).entrySet()) {
                    ConfigEntry entry = current.get(resource).get(wanted.getKey());
                    long have = entry == null || entry.value() == null ? Long.MIN_VALUE : Long.parseLong(entry.value());
                    if (have != -1 && have < wanted.getValue()) {
                        changes.computeIfAbsent(resource, r -> new ArrayList<>()).add(new AlterConfigOp(
                            new ConfigEntry(wanted.getKey(), Long.toString(wanted.getValue())), AlterConfigOp.OpType.SET));
                        LOG.info("Raising {} of topic {} from {} to {}", wanted.getKey(), resource.name(), have,
                            wanted.getValue());
                    }
                }
            }
            if (!changes.isEmpty()) {
                admin.incrementalAlterConfigs(changes).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not check or raise the configs {} of existing topics: {}. Raise them by hand.", raise,
                e.toString());
        }
    }
}
