package dev.pulse.alerts;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.pulse.alerts.StateStore.Keeping;
import dev.pulse.deadletters.DeadLetterEncoder;
import dev.pulse.events.Decoded;
import dev.pulse.kafka.TopicIds;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Applies a per-entity state machine to the records of one partition, with the state in a {@link StateStore}, so
 * that a batch read again after a crash or rebalance gives exactly the outputs it gave the first time.
 *
 * <p>Next to the entity states the store holds the partition's progress, under
 * {@code <namespace>:progress:<consumer group>:<topic>:<partition>}: the topic's id, the last offset applied and the
 * outputs of the offsets not yet known to be committed to Kafka (those at or after the first offset of the current
 * batch, which is where the consumer resumed, so everything before it is committed), as JSON versioned by
 * {@link StateFormat} (as the states the transitions of its users write). A record at or below the
 * progress offset is a redelivery: it changes no state and yields the outputs remembered for it. Progress and states
 * are written in one compare-and-set, so two instances never both apply a record.
 *
 * <p>The group in the key keeps deployments that share a Redis with other group ids from taking each other's
 * progress. The topic id (Kafka's UUID of the topic) tells a redelivery from a topic deleted and created again under
 * the same name, whose offsets start again at 0: when the id differs from the one the progress was written for, the
 * progress belongs to the deleted topic, and the partition is processed from its start (logged once). The id is
 * asked of the cluster afresh whenever a record is at or below the progress offset, so a redelivery is never taken
 * for a new topic on the word of a stale answer.
 *
 * @param <I> the decoded input
 */
public final class KeyedStateProcessor<I> {

    /** One record: where it came from, the entity it belongs to, and the decoded value. */
    public record Item<I>(long offset, String entity, I input, long recordTimestampMs) {
    }

    /** What one input does to its entity: the new state ({@code null}: delete) and the outputs (JSON values). */
    public record Step(String state, List<String> outputs) {
        public static Step unchanged(String state) {
            return new Step(state, List.of());
        }
    }

    /** The pure state machine. {@code context} holds the values of {@link #contextKeys}, for read-only settings. */
    @FunctionalInterface
    public interface Transition<I> {
        Step apply(I input, Item<I> item, String state, Map<String, String> context);
    }

    /** An output and the entity (the output's key) it belongs to. */
    @Serdeable
    public record Output(@JsonProperty("entity") String entity, @JsonProperty("value") String value) {
    }

    /** Raised when other writers kept winning the compare-and-set; the batch is retried as a transient failure. */
    public static final class ConcurrentUpdateException extends RuntimeException {
        ConcurrentUpdateException(String message) {
            super(message);
        }
    }

    /**
     * Where a processor keeps its keys, and which of them expire.
     *
     * @param namespace         first part of every key, e.g. {@code temperature} (the store adds the deployment's
     *                          prefix)
     * @param kind              second part of an entity's state key, {@code <namespace>:<kind>:<entity>}
     * @param group             the consumer group that reads the input: part of the progress key
     * @param permanent         the state values kept until deleted; the others expire after the store's TTL
     * @param list              the key of the set listing the entities whose state is kept permanently, or null
     * @param permanentProgress whether the progress keys are kept until deleted rather than expiring
     */
    public record Options(String namespace, String kind, String group, Predicate<String> permanent,
                          @Nullable String list, boolean permanentProgress) {

        /** States {@code <namespace>:state:<entity>} and progress, all expiring after the store's TTL. */
        public static Options expiring(String namespace, String group) {
            return new Options(namespace, "state", group, state -> false, null, false);
        }
    }

    @Serdeable
    record Progress(@JsonProperty("offset") long offset, @JsonProperty("memo") Map<String, List<Output>> memo,
                    @JsonProperty("topic_id") @Nullable String topicId) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(KeyedStateProcessor.class);
    private static final int ATTEMPTS = 5;

    private final StateStore store;
    private final StateFormat format;
    private final Options options;
    private final TopicIds topicIds;
    private final Function<String, List<String>> contextKeys;

    /**
     * @param topicIds    the ids of the input topics ({@link TopicIds#NONE}: progress trusts offsets alone)
     * @param contextKeys read-only keys an entity's transition reads (e.g. its threshold override)
     */
    public KeyedStateProcessor(StateStore store, JsonMapper json, Options options, TopicIds topicIds,
                               Function<String, List<String>> contextKeys) {
        this.store = store;
        this.format = new StateFormat(json);
        this.options = options;
        this.topicIds = topicIds;
        this.contextKeys = contextKeys;
    }

    public String stateKey(String entity) {
        return options.namespace() + ":" + options.kind() + ":" + entity;
    }

    public String progressKey(String topic, int partition) {
        return options.namespace() + ":progress:" + options.group() + ":" + topic + ":" + partition;
    }

    /**
     * One poll's records of an entity-keyed topic: decodes each, sends the ones that do not decode to the
     * dead-letter queue, runs the others through {@link #process} partition by partition, and keys each output by
     * its entity.
     *
     * @param decode      a record's input, or the reason it is rejected
     * @param entity      the entity an input belongs to (the state key and the output key)
     * @param outputTopic where the outputs go
     * @return outputs and dead letters, in input order per partition
     */
    public List<ProducerRecord<byte[], byte[]>> processBatch(List<ConsumerRecord<byte[], byte[]>> records,
                                                            Function<ConsumerRecord<byte[], byte[]>, Decoded<I>> decode,
                                                            Function<I, String> entity, Transition<I> transition,
                                                            String outputTopic, DeadLetterEncoder deadLetters) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byPartition = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            byPartition.computeIfAbsent(record.topic() + "\u0000" + record.partition(), p -> new ArrayList<>()).add(record);
        }
        for (List<ConsumerRecord<byte[], byte[]>> partition : byPartition.values()) {
            List<Item<I>> items = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : partition) {
                Decoded<I> input = decode.apply(record);
                if (input.isValid()) {
                    items.add(new Item<>(record.offset(), entity.apply(input.value()), input.value(), record.timestamp()));
                } else {
                    out.add(deadLetters.record(record, input.error()));
                }
            }
            ConsumerRecord<byte[], byte[]> first = partition.get(0);
            for (Output output : process(first.topic(), first.partition(), items, transition)) {
                out.add(new ProducerRecord<>(outputTopic, output.entity().getBytes(StandardCharsets.UTF_8),
                    output.value().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    /**
     * @param items the partition's records of this batch, in offset order
     * @return the outputs, in input order
     */
    public List<Output> process(String topic, int partition, List<Item<I>> items, Transition<I> transition) {
        if (items.isEmpty()) {
            return List.of();
        }
        String progressKey = progressKey(topic, partition);
        Set<String> stateKeys = new LinkedHashSet<>();
        Set<String> readOnly = new LinkedHashSet<>();
        for (Item<I> item : items) {
            stateKeys.add(stateKey(item.entity()));
            readOnly.addAll(contextKeys.apply(item.entity()));
        }
        long firstOffset = items.get(0).offset();
        String topicId = topicIds.id(topic, false);
        boolean askedAfresh = false;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            List<String> keys = new ArrayList<>(stateKeys.size() + readOnly.size() + 1);
            keys.add(progressKey);
            keys.addAll(stateKeys);
            keys.addAll(readOnly);
            Map<String, String> loaded = store.getAll(keys);
            Progress progress = readProgress(loaded.get(progressKey));
            if (progress.topicId() != null && !askedAfresh
                && (firstOffset <= progress.offset() || !progress.topicId().equals(topicId))) {
                topicId = topicIds.id(topic, true); // a redelivery or a new topic: only an answer of now tells which
                askedAfresh = true;
            }
            Progress deleted = null;
            if (progress.topicId() != null && topicId != null && !progress.topicId().equals(topicId)) {
                deleted = progress;
                progress = new Progress(-1, Map.of(), topicId);
            }
            Map<String, String> states = new HashMap<>();
            for (String key : stateKeys) {
                states.put(key, loaded.get(key));
            }
            TreeMap<Long, List<Output>> memo = new TreeMap<>();
            progress.memo().forEach((offset, outputs) -> {
                long o = Long.parseLong(offset);
                if (o >= firstOffset) {
                    memo.put(o, outputs);
                }
            });
            List<Output> outputs = new ArrayList<>();
            long last = progress.offset();
            for (Item<I> item : items) {
                if (item.offset() <= progress.offset()) {
                    outputs.addAll(memo.getOrDefault(item.offset(), List.of()));
                    continue;
                }
                String key = stateKey(item.entity());
                Step step = transition.apply(item.input(), item, states.get(key), loaded);
                states.put(key, step.state());
                if (!step.outputs().isEmpty()) {
                    List<Output> produced = step.outputs().stream().map(v -> new Output(item.entity(), v)).toList();
                    memo.put(item.offset(), produced);
                    outputs.addAll(produced);
                }
                last = Math.max(last, item.offset());
            }
            Map<String, String> expected = new HashMap<>();
            Map<String, String> updates = new HashMap<>();
            expected.put(progressKey, loaded.get(progressKey));
            Map<String, List<Output>> memoOut = new TreeMap<>();
            memo.forEach((offset, list) -> memoOut.put(Long.toString(offset), list));
            updates.put(progressKey, format.write(new Progress(last, memoOut,
                topicId != null ? topicId : progress.topicId())));
            Set<String> permanent = new HashSet<>();
            if (options.permanentProgress()) {
                permanent.add(progressKey);
            }
            for (String key : stateKeys) {
                expected.put(key, loaded.get(key));
                if (!java.util.Objects.equals(states.get(key), loaded.get(key))) {
                    updates.put(key, states.get(key));
                }
                if (states.get(key) != null && options.permanent().test(states.get(key))) {
                    permanent.add(key);
                }
            }
            Keeping keeping = new Keeping(permanent, options.list() == null ? null : stateKey(""), options.list());
            if (store.compareAndSet(expected, updates, keeping)) {
                if (deleted != null) {
                    LOG.info("{}-{} is a new topic (id {}): the progress of group {} up to offset {} was for the topic of "
                            + "that name before it was deleted (id {}); processing the new one from its start", topic,
                        partition, topicId, options.group(), deleted.offset(), deleted.topicId());
                }
                return outputs;
            }
        }
        throw new ConcurrentUpdateException("state of " + topic + "-" + partition + " kept changing under us after "
            + ATTEMPTS + " attempts");
    }

    private Progress readProgress(String value) {
        if (value == null) {
            return new Progress(-1, Map.of(), null);
        }
        Progress progress = format.read(value, Progress.class);
        return progress.memo() == null ? new Progress(progress.offset(), Map.of(), progress.topicId()) : progress;
    }
}
