package dev.pulse.kafka;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Creates the contract's input and output topics that the broker does not have yet, before any
 * listener or the Streams application starts (they depend on this bean), and Pulse's internal topics
 * ({@link Topics#INTERNAL}). Existing topics are left as they are, except that a config a {@link TopicSettings} needs
 * at least (the dead-letter queue's {@code max.message.bytes}) is raised. Compacted inputs (profiles, catalog,
 * thresholds) are created with {@code cleanup.policy=compact}. The instances of a fleet start together and race to create the same topics: a topic
 * another instance created meanwhile is fine, and every retriable answer of the cluster (a topic it does not know yet
 * right after creating it, a leader not elected yet, a controller moving) is retried until
 * {@code pulse.kafka.create-timeout}; only a lasting or non-retriable failure stops start-up.
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
        Duration timeout = properties.createTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> existing = retrying("list the topics", deadline, timeout, () -> admin.listTopics().names());
        Map<String, NewTopic> missing = new LinkedHashMap<>();
        // Minimum configs per topic name: raised on a topic that exists (made by an earlier version, by hand, or by
        // another instance just now).
        Map<String, Map<String, Long>> atLeastByName = new HashMap<>();
        List<String> all = new ArrayList<>(Topics.INPUTS);
        all.addAll(Topics.OUTPUTS);
        all.addAll(Topics.INTERNAL);
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
            addIfMissing(missing, existing, name, properties, configs);
        }
        Map<String, Map<String, Long>> raise = new HashMap<>(atLeastByName);
        raise.keySet().retainAll(existing);
        if (missing.isEmpty()) {
            raiseConfigs(admin, raise, timeout.toMillis());
            return List.of();
        }
        List<String> created = new ArrayList<>();
        List<String> createdElsewhere = new ArrayList<>();
        Backoff backoff = new Backoff(deadline, timeout);
        while (!missing.isEmpty()) {
            String problem = null;
            for (var result : admin.createTopics(new ArrayList<>(missing.values())).values().entrySet()) {
                try {
                    result.getValue().get(backoff.remainingMs(), TimeUnit.MILLISECONDS);
                    created.add(result.getKey());
                    missing.remove(result.getKey());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        // Another instance starting at the same moment created it (or an earlier attempt of ours that
                        // timed out did): it exists, but it may not have leaders yet.
                        createdElsewhere.add(result.getKey());
                        missing.remove(result.getKey());
                        if (atLeastByName.containsKey(result.getKey())) {
                            raise.put(result.getKey(), atLeastByName.get(result.getKey())); // it may be an older one
                        }
                    } else if (e.getCause() instanceof RetriableException) {
                        problem = result.getKey() + ": " + e.getCause();
                    } else {
                        throw new IllegalStateException("Could not create topic " + result.getKey()
                            + " on the Kafka cluster: " + e.getCause(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw backoff.timedOut("create " + missing.keySet());
                }
            }
            if (!missing.isEmpty()) {
                backoff.pause("create " + missing.keySet(), problem);
            }
        }
        raiseConfigs(admin, raise, backoff.remainingMs());
        List<String> made = new ArrayList<>(created);
        made.addAll(createdElsewhere);
        awaitLeaders(admin, made, backoff);
        LOG.info("Created topics {} ({} partitions, replication factor {}){}", created, properties.partitions(),
            properties.replicationFactor(), createdElsewhere.isEmpty() ? ""
                : "; " + createdElsewhere + " were created by another instance at the same time");
        return List.copyOf(created);
    }

    /**
     * Waits until every partition of {@code topics} has a leader: a created topic takes producers only then. Right after
     * a topic is created the broker asked may not know it yet ({@code UnknownTopicOrPartitionException}) or have no
     * leader for it yet ({@code LeaderNotAvailableException}): these, like every {@link RetriableException}, are retried
     * until {@code timeout}.
     */
    static void awaitLeaders(Admin admin, Collection<String> topics, Duration timeout) throws InterruptedException {
        awaitLeaders(admin, topics, new Backoff(System.nanoTime() + timeout.toNanos(), timeout));
    }

    private static void awaitLeaders(Admin admin, Collection<String> topics, Backoff backoff)
        throws InterruptedException {
        Set<String> waiting = new LinkedHashSet<>(topics);
        while (!waiting.isEmpty()) {
            String problem = null;
            for (var description : admin.describeTopics(new ArrayList<>(waiting)).topicNameValues().entrySet()) {
                try {
                    TopicDescription topic = description.getValue().get(backoff.remainingMs(), TimeUnit.MILLISECONDS);
                    if (topic.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                        waiting.remove(description.getKey());
                    } else {
                        problem = description.getKey() + " has partitions without a leader";
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof RetriableException)) {
                        throw new IllegalStateException("Could not describe topic " + description.getKey()
                            + ": " + e.getCause(), e.getCause());
                    }
                    problem = description.getKey() + ": " + e.getCause();
                } catch (TimeoutException e) {
                    throw backoff.timedOut("see leaders for " + waiting);
                }
            }
            if (!waiting.isEmpty()) {
                backoff.pause("see leaders for " + waiting, problem);
            }
        }
    }

    private static <T> T retrying(String what, long deadline, Duration timeout, Supplier<KafkaFuture<T>> call)
        throws InterruptedException {
        Backoff backoff = new Backoff(deadline, timeout);
        while (true) {
            try {
                return call.get().get(backoff.remainingMs(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new IllegalStateException("Could not " + what + " on the Kafka cluster: " + e.getCause(),
                        e.getCause());
                }
                backoff.pause(what, e.getCause().toString());
            } catch (TimeoutException e) {
                throw backoff.timedOut(what);
            }
        }
    }

    /** Pauses between attempts, 50 ms doubling to 1 s, until the deadline of {@code pulse.kafka.create-timeout}. */
    private static final class Backoff {
        private final long deadline;
        private final Duration timeout;
        private long pauseMs = 50;
        private String lastProblem;

        Backoff(long deadline, Duration timeout) {
            this.deadline = deadline;
            this.timeout = timeout;
        }

        long remainingMs() {
            return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        }

        void pause(String what, String problem) throws InterruptedException {
            lastProblem = problem == null ? lastProblem : problem;
            if (System.nanoTime() - deadline >= 0) {
                throw timedOut(what);
            }
            Thread.sleep(Math.min(pauseMs, remainingMs()));
            pauseMs = Math.min(1000, pauseMs * 2);
        }

        IllegalStateException timedOut(String what) {
            return new IllegalStateException("Could not " + what + " on the Kafka cluster within " + timeout
                + " (pulse.kafka.create-timeout)" + (lastProblem == null ? "" : "; last: " + lastProblem));
        }
    }

    private static void addIfMissing(Map<String, NewTopic> missing, Set<String> existing, String name,
                                     KafkaTopicsProperties properties, Map<String, String> configs) {
        if (existing.contains(name) || missing.containsKey(name)) {
            return;
        }
        NewTopic topic = new NewTopic(name, properties.partitions(), properties.replicationFactor());
        if (!configs.isEmpty()) {
            topic.configs(Map.copyOf(configs));
        }
        missing.put(name, topic);
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
