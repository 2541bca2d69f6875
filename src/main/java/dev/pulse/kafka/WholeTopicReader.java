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
import java.util.List;
import java.util.Map;

/**
 * Reads topics whole, on every instance, on a daemon thread of its own: from the beginning, {@code read_committed},
 * a plain consumer with assigned partitions, no group, nothing committed. What it read is complete once the
 * consumer's position reaches the end offsets it had at start, which is checked after every poll, the empty ones too
 * (the end can be a transaction marker, which no record reports). Being {@code read_committed}, those end offsets are
 * the last stable offsets, not the high watermarks: they stop before a transaction still open (its writer killed or
 * stuck), so the read completes without waiting for it. A poll that fails is tried again a second later; the topics
 * not there yet (a fleet's start, another instance creating them) are waited for, and partitions added to them later
 * (an operator raising the count) are read from their beginning once the consumer's metadata shows them, within
 * {@code metadata.max.age.ms} plus a minute.
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
     * One poll's records, then whether the consumer has reached the end offsets it had at start (once true, true
     * from then on).
     *
     * @param ends the end offsets at start: records before them are the topics' history (0 for a partition added
     *             since)
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
            for (String topic : topics) {
                partitions.addAll(awaitPartitions(topic));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
            long started = System.nanoTime();
            long checked = started;
            boolean atEnd = false;
            while (running) {
                try {
                    if (System.nanoTime() - checked >= NEW_PARTITIONS_CHECK.toNanos()) {
                        checked = System.nanoTime();
                        addNewPartitions(partitions, ends);
                    }
                    ConsumerRecords<K, V> records = consumer.poll(POLL);
                    if (!atEnd && ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                        atEnd = true;
                        LOG.info("{}: {} read to their end in {} ms", name, topics,
                            (System.nanoTime() - started) / 1_000_000);
                    }
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

    /** Assigns partitions of the topics that are not assigned yet, from their beginning: all they hold is new. */
    private void addNewPartitions(List<TopicPartition> partitions, Map<TopicPartition, Long> ends) {
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> found = consumer.partitionsFor(topic);
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

    private List<TopicPartition> awaitPartitions(String topic) throws InterruptedException {
        while (running) {
            try {
                List<PartitionInfo> found = consumer.partitionsFor(topic);
                if (found != null && !found.isEmpty()) {
                    return found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warn("{} cannot reach Kafka yet: {}", name, e.toString());
            }
            Thread.sleep(RETRY.toMillis());
        }
        throw new WakeupException();
    }
}
