package dev.pulse.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads topics whole, on every instance, on a daemon thread of its own: from the beginning, {@code read_committed},
 * a plain consumer with assigned partitions, no group, nothing committed. What it read is complete once the
 * consumer's position reaches the end offsets it had at start, which is checked after every poll, the empty ones too
 * (the end can be a transaction marker, which no record reports). Being {@code read_committed}, those end offsets are
 * the last stable offsets, not the high watermarks: they stop before a transaction still open (its writer killed or
 * stuck), so the read completes without waiting for it. A poll that fails is tried again a second later. A topic
 * not there yet (a fleet's start, another instance creating it, Kafka Streams' first rebalance creating its internal
 * topics) is looked for every second while the others are read, and read from its beginning once it exists, with the
 * end offsets it has then as its history; partitions added to a topic later (an operator raising the count) are read
 * from their beginning once the consumer's metadata shows them, within {@code metadata.max.age.ms} plus a minute.
 *
 * <p>A subclass starts the thread ({@link #start}) once its own fields are set, and stops it ({@link #stop}) from its
 * {@code @PreDestroy} method.
 *
 * @param <K> the record keys, as {@code keys} reads them
 * @param <V> the record values, as {@code values} reads them
 */
public abstract class WholeTopicReader<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(WholeTopicReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration NEW_PARTITIONS_CHECK = Duration.ofMinutes(1);

    private final String name;
    private final String whenStopped;
    private final List<String> topics;
    private final Consumer<K, V> consumer;
    private final Thread thread;
    /** The topics read to their end offsets (the consumer's thread only). */
    private final Set<String> readToEnd = new HashSet<>();
    private volatile boolean running = true;

    /**
     * @param name        the thread's and the consumer's client id, and what the logs call it
     * @param whenStopped what the service does without it, for the log line if it stops for good
     */
    protected WholeTopicReader(String name, String whenStopped, List<String> topics, KafkaClients clients,
                               Deserializer<K> keys, Deserializer<V> values) {
        this.name = name;
        this.whenStopped = whenStopped;
        this.topics = List.copyOf(topics);
        this.consumer = new KafkaConsumer<>(clients.consumer(Map.of(
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false, // the topic creator makes them as they must be
            ConsumerConfig.CLIENT_ID_CONFIG, name)),
            keys, values);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * One poll's records, then whether every topic has been read to its end offsets (once true, true from then on;
     * each topic's own: {@link #readToEnd}).
     *
     * @param ends the end offsets of the assigned partitions when they were assigned: records before them are the
     *             topics' history (0 for a partition added to a topic since)
     */
    protected abstract void polled(ConsumerRecords<K, V> records, Map<TopicPartition, Long> ends, boolean atEnd);

    /**
     * How many partitions {@code topic} has, by the consumer's metadata; 0 while the topic does not exist. Only from
     * {@link #polled} (the consumer's thread).
     */
    protected final int partitionCount(String topic) {
        List<PartitionInfo> found = consumer.partitionsFor(topic);
        return found == null ? 0 : found.size();
    }

    /**
     * Whether {@code topic} exists and has been read to the end offsets it had when it was assigned (once true, true
     * from then on). Only from {@link #polled} (the consumer's thread).
     */
    protected final boolean readToEnd(String topic) {
        return readToEnd.contains(topic);
    }

    protected final void start() {
        thread.start();
    }

    protected final void stop() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10).toMillis());
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            Map<TopicPartition, Long> ends = new HashMap<>();
            Set<String> waiting = new LinkedHashSet<>(topics);
            long started = System.nanoTime();
            long looked = started - RETRY.toNanos();
            long checked = started;
            boolean atEnd = false;
            while (running) {
                try {
                    if (!waiting.isEmpty() && System.nanoTime() - looked >= RETRY.toNanos()) {
                        looked = System.nanoTime();
                        assignAppeared(waiting, partitions, ends);
                    }
                    if (partitions.isEmpty()) {
                        Thread.sleep(RETRY.toMillis());
                        continue;
                    }
                    if (System.nanoTime() - checked >= NEW_PARTITIONS_CHECK.toNanos()) {
                        checked = System.nanoTime();
                        addNewPartitions(waiting, partitions, ends);
                    }
                    ConsumerRecords<K, V> records = consumer.poll(POLL);
                    for (String topic : topics) {
                        if (!waiting.contains(topic) && !readToEnd.contains(topic) && ends.entrySet().stream()
                            .filter(e -> e.getKey().topic().equals(topic))
                            .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                            readToEnd.add(topic);
                            LOG.info("{}: {} read to its end in {} ms", name, topic,
                                (System.nanoTime() - started) / 1_000_000);
                        }
                    }
                    atEnd = atEnd || readToEnd.containsAll(topics);
                    polled(records, ends, atEnd);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    LOG.warn("{} failed to poll, retrying: {}", name, e.toString());
                    Thread.sleep(RETRY.toMillis());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("{} woken up while running; {}", name, whenStopped, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("{} stopped; {}", name, whenStopped, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Assigns the partitions of the topics in {@code waiting} that exist now, from their beginning, with the end
     * offsets they have now as their history; the others stay waiting, and are looked for again a second later.
     */
    private void assignAppeared(Set<String> waiting, List<TopicPartition> partitions, Map<TopicPartition, Long> ends) {
        List<TopicPartition> appeared = new ArrayList<>();
        Map<TopicPartition, Long> history;
        try {
            for (String topic : waiting) {
                List<PartitionInfo> found = consumer.partitionsFor(topic);
                if (found != null && !found.isEmpty()) {
                    found.forEach(p -> appeared.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            if (appeared.isEmpty()) {
                return;
            }
            history = consumer.endOffsets(appeared);
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("{} cannot reach Kafka yet: {}", name, e.toString());
            return;
        }
        partitions.addAll(appeared);
        consumer.assign(partitions);
        consumer.seekToBeginning(appeared);
        ends.putAll(history);
        appeared.forEach(p -> waiting.remove(p.topic()));
        if (!waiting.isEmpty()) {
            LOG.info("{}: reading {}; waiting for {} to be created", name,
                appeared.stream().map(TopicPartition::topic).distinct().toList(), waiting);
        }
    }

    /**
     * Assigns partitions of the assigned topics that are not assigned yet, from their beginning: all they hold is
     * new.
     */
    private void addNewPartitions(Set<String> waiting, List<TopicPartition> partitions,
                                  Map<TopicPartition, Long> ends) {
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> found = waiting.contains(topic) ? null : consumer.partitionsFor(topic);
            if (found != null) {
                found.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                    .filter(p -> !partitions.contains(p)).forEach(added::add);
            }
        }
        if (!added.isEmpty()) {
            partitions.addAll(added);
            consumer.assign(partitions);
            consumer.seekToBeginning(added);
            added.forEach(p -> ends.put(p, 0L));
            LOG.info("{}: reading the new partitions {} from their beginning", name, added);
        }
    }
}
