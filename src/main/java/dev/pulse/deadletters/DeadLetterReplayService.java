package dev.pulse.deadletters;

import dev.pulse.events.WireTime;
import dev.pulse.kafka.KafkaClients;
import dev.pulse.kafka.TopicNames;
import dev.pulse.kafka.Topics;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Puts dead letters back on the topics they came from, each at most once ever: the one service behind
 * {@code POST /api/dead-letters/replay} and {@code pulse dead-letters replay}.
 *
 * <p>In: {@code dead-letter-queue} and {@code dead-letter-replays}, {@code read_committed}. Out: each matching dead
 * letter's record, as it arrived (key, value, timestamp, headers) plus header {@code pulse.replay.of}
 * ({@code <queue>/<partition>/<offset>}), to its source topic and partition; and, in the same Kafka transaction, a
 * record keyed by those coordinates to {@code dead-letter-replays}.
 *
 * <p>Exactly once: partition {@code l} of {@code dead-letter-replays} is written only by the transactional id
 * {@code pulse-dead-letter-replay-<queue>-<l>}, for the queue partitions {@code p} with {@code p mod n = l} (n: its
 * partition count; the same as the queue's when Pulse creates both). A replay takes that id, which fences any other
 * replay holding it (another request, instance or command line) and aborts what a crashed one left open, then reads
 * partition {@code l} to its end, and only then decides: a dead letter named there is skipped. Since the re-publish
 * and its record commit together, a crash or a fence at any point leaves each dead letter either replayed and named,
 * or neither. A replay that is fenced stops ({@link ReplayStoppedException}); what it committed stays done.
 * Readers of the source topics see each replayed record once when they read {@code read_committed} (every Pulse
 * consumer does); the transaction markers are new on input topics, which otherwise carry none.
 *
 * <p>Order: the dead letters of one source partition all sit in one queue partition, in their source order
 * ({@link DeadLetter#partitionFor}); each queue partition is replayed from its start to the end it had when the
 * replay began, one transaction of up to {@code replay-batch} records after another, so they come back in that order.
 *
 * <p>A dead letter of a record that was itself a replay ({@code replay_of}) is left alone unless asked for, so a
 * record that still fails is not replayed in a loop.
 */
@Singleton
public class DeadLetterReplayService {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplayService.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int FAILURES_LISTED = 100;
    private static final int COMMIT_ATTEMPTS = 3;

    private final KafkaClients clients;
    private final JsonMapper jsonMapper;
    private final DeadLetterProperties properties;
    private final String queue;
    private final String replays;
    /** One replay at a time per process: two would only fence each other. */
    private final ReentrantLock oneAtATime = new ReentrantLock();

    public DeadLetterReplayService(KafkaClients clients, JsonMapper jsonMapper, DeadLetterProperties properties,
                                   TopicNames topicNames) {
        this.clients = clients;
        this.jsonMapper = jsonMapper;
        this.properties = properties;
        this.queue = topicNames.resolve(Topics.DEAD_LETTER_QUEUE);
        this.replays = topicNames.resolve(Topics.DEAD_LETTER_REPLAYS);
    }

    /**
     * Replays the dead letters that match {@code filter}.
     *
     * @param dryRun         only count what would happen; writes nothing and fences no one
     * @param includeReplays replay also dead letters of records that were replays themselves
     * @throws ReplayStoppedException when another replay took over, or Kafka failed; with the counts so far
     */
    public ReplayResult replay(DeadLetterFilter filter, boolean dryRun, boolean includeReplays) {
        oneAtATime.lock();
        try {
            return new Run(filter, dryRun, includeReplays).run();
        } finally {
            oneAtATime.unlock();
        }
    }

    /** The transactional id of the replays that write partition {@code logPartition} of the replay log. */
    String transactionalId(int logPartition) {
        return "pulse-dead-letter-replay-" + queue + "-" + logPartition;
    }

    /** One replay request. */
    private final class Run {

        private final DeadLetterFilter filter;
        private final boolean dryRun;
        private final boolean includeReplays;
        private long matched;
        private long replayed;
        private long skipped;
        private long failed;
        private long failingAgain;
        private final List<ReplayResult.Failure> failures = new ArrayList<>();
        private final Map<String, Integer> sourcePartitions = new HashMap<>();
        private Admin admin;

        Run(DeadLetterFilter filter, boolean dryRun, boolean includeReplays) {
            this.filter = filter;
            this.dryRun = dryRun;
            this.includeReplays = includeReplays;
        }

        ReplayResult result() {
            return new ReplayResult(dryRun, matched, replayed, skipped, failed, failingAgain, List.copyOf(failures));
        }

        ReplayResult run() {
            long started = System.nanoTime();
            try (Admin admin = Admin.create(clients.common());
                 Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(clients.consumer(Map.of(
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                     ConsumerConfig.CLIENT_ID_CONFIG, "pulse-dead-letter-replay")),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                this.admin = admin;
                int queuePartitions = partitions(queue);
                if (queuePartitions < 0) {
                    return result(); // no queue, no dead letters
                }
                int logPartitions = partitions(replays);
                if (logPartitions < 0) {
                    throw new ReplayStoppedException("the replay log " + replays + " does not exist: start Pulse once "
                        + "with pulse.kafka.create-topics on, or create it", result(), false, null);
                }
                // The queue as it is now: dead letters that this replay's own records cause are not part of it.
                List<TopicPartition> queueParts = new ArrayList<>();
                for (int p = 0; p < queuePartitions; p++) {
                    queueParts.add(new TopicPartition(queue, p));
                }
                Map<TopicPartition, Long> ends = consumer.endOffsets(queueParts, TIMEOUT);
                for (int unit = 0; unit < logPartitions && unit < queuePartitions; unit++) {
                    Map<TopicPartition, Long> unitEnds = new LinkedHashMap<>();
                    for (int p = unit; p < queuePartitions; p += logPartitions) {
                        unitEnds.put(queueParts.get(p), ends.get(queueParts.get(p)));
                    }
                    replayUnit(consumer, unit, unitEnds);
                }
            } catch (ReplayStoppedException e) {
                throw e;
            } catch (KafkaException e) {
                throw new ReplayStoppedException("Kafka failed during the replay: " + e, result(), false, e);
            }
            LOG.info("Dead-letter replay{} of {}: {} in {} ms", dryRun ? " (dry run)" : "", filter, result(),
                (System.nanoTime() - started) / 1_000_000);
            return result();
        }

        /**
         * The queue partitions whose replays log to partition {@code unit} of the replay log, each up to its end when
         * the replay began.
         */
        private void replayUnit(Consumer<byte[], byte[]> consumer, int unit, Map<TopicPartition, Long> queueParts) {
            Producer<byte[], byte[]> producer = null;
            try {
                if (!dryRun) {
                    producer = new KafkaProducer<>(clients.producer(Map.of(
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(unit),
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, properties.maxMessageBytes(),
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000,
                        ProducerConfig.CLIENT_ID_CONFIG, "pulse-dead-letter-replay-" + unit)),
                        new ByteArraySerializer(), new ByteArraySerializer());
                    try {
                        producer.initTransactions(); // fences any other holder and ends what it left open
                    } catch (KafkaException e) {
                        throw stopped(e);
                    }
                }
                Set<String> done = namedIn(consumer, new TopicPartition(replays, unit));
                Batch batch = new Batch(producer, unit);
                for (Map.Entry<TopicPartition, Long> partition : queueParts.entrySet()) {
                    scan(consumer, partition.getKey(), partition.getValue(), done, batch);
                }
                batch.flush();
            } finally {
                if (producer != null) {
                    try {
                        producer.close(Duration.ofSeconds(5));
                    } catch (RuntimeException e) {
                        LOG.debug("closing a replay producer", e);
                    }
                }
            }
        }

        /** The dead letters named in one partition of the replay log, read to its end. */
        private Set<String> namedIn(Consumer<byte[], byte[]> consumer, TopicPartition partition) {
            Set<String> named = new HashSet<>();
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
            while (consumer.position(partition, TIMEOUT) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null) {
                        named.add(new String(record.key(), StandardCharsets.UTF_8));
                    }
                }
            }
            return named;
        }

        /** One queue partition, from the first dead letter that can match up to {@code end}. */
        private void scan(Consumer<byte[], byte[]> consumer, TopicPartition partition, long end, Set<String> done,
                          Batch batch) {
            consumer.assign(List.of(partition));
            long start;
            if (filter.from() != null) {
                // The queue's record timestamps are the rejection times, so nothing before this offset matches.
                OffsetAndTimestamp first = consumer.offsetsForTimes(Map.of(partition, filter.from() * 1000), TIMEOUT)
                    .get(partition);
                start = first == null ? end : Math.min(first.offset(), end);
            } else {
                start = consumer.beginningOffsets(List.of(partition), TIMEOUT).get(partition);
            }
            consumer.seek(partition, start);
            while (consumer.position(partition, TIMEOUT) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() < end) {
                        consider(record, done, batch);
                    }
                }
            }
        }

        private void consider(ConsumerRecord<byte[], byte[]> record, Set<String> done, Batch batch) {
            DeadLetter letter = read(record);
            if (letter == null || !filter.matches(letter)) {
                return;
            }
            matched++;
            String coordinates = DeadLetter.coordinates(queue, record.partition(), record.offset());
            if (done.contains(coordinates)) {
                skipped++;
                return;
            }
            if (letter.replayOf() != null && !includeReplays) {
                failingAgain++;
                return;
            }
            String why = unreplayable(letter);
            if (why != null) {
                fail(coordinates, why);
                return;
            }
            if (dryRun) {
                replayed++;
                return;
            }
            batch.add(new Pending(coordinates, replayOf(letter, record.key(), coordinates),
                logRecord(coordinates, letter, batch.unit)));
        }

        private DeadLetter read(ConsumerRecord<byte[], byte[]> record) {
            if (record.value() == null) {
                return null;
            }
            try {
                DeadLetter letter = jsonMapper.readValue(record.value(), DeadLetter.class);
                return letter == null || letter.sourceTopic() == null ? null : letter;
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}-{}@{} is not a dead letter; not replayed", record.topic(), record.partition(),
                    record.offset());
                return null;
            }
        }

        private String unreplayable(DeadLetter letter) {
            if (letter.truncated()) {
                return "the dead letter kept only part of its " + letter.originalSize() + "-byte value";
            }
            if (sourcePartitions(letter.sourceTopic()) < 0) {
                return "source topic " + letter.sourceTopic() + " does not exist";
            }
            return null;
        }

        /** The record as it arrived, to its source partition (the producer's choice if that partition is gone). */
        private ProducerRecord<byte[], byte[]> replayOf(DeadLetter letter, byte[] queueKey, String coordinates) {
            // Dead letters written before v2 carry no headers map, and the input's key only as their record key.
            boolean complete = letter.originalHeaders() != null;
            Headers headers = letter.originalHeaderBytes();
            headers.remove(DeadLetter.HEADER_REPLAY_OF);
            headers.add(DeadLetter.HEADER_REPLAY_OF, coordinates.getBytes(StandardCharsets.UTF_8));
            int partitions = sourcePartitions(letter.sourceTopic());
            Integer partition = letter.partition() >= 0 && letter.partition() < partitions ? letter.partition() : null;
            return new ProducerRecord<>(letter.sourceTopic(), partition, letter.originalTimestamp(),
                complete ? letter.originalKeyBytes() : queueKey, letter.originalValueBytes(), headers);
        }

        private ProducerRecord<byte[], byte[]> logRecord(String coordinates, DeadLetter letter, int unit) {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("replayed_at", WireTime.epochSeconds(System.currentTimeMillis()));
            value.put("source_topic", letter.sourceTopic());
            value.put("source_partition", letter.partition());
            value.put("source_offset", letter.offset());
            try {
                return new ProducerRecord<>(replays, unit, coordinates.getBytes(StandardCharsets.UTF_8),
                    jsonMapper.writeValueAsBytes(value));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private void fail(String coordinates, String reason) {
            failed++;
            if (failures.size() < FAILURES_LISTED) {
                failures.add(new ReplayResult.Failure(coordinates, reason));
            }
        }

        /** Partitions of a topic, -1 when it does not exist; looked up once per replay. */
        private int sourcePartitions(String topic) {
            return sourcePartitions.computeIfAbsent(topic, this::partitions);
        }

        private int partitions(String topic) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic).partitions().size();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException
                    || e.getCause() instanceof org.apache.kafka.common.errors.InvalidTopicException) {
                    return -1;
                }
                throw new ReplayStoppedException("could not describe topic " + topic + ": " + e.getCause(), result(),
                    false, e);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new ReplayStoppedException("could not describe topic " + topic + ": " + e, result(), false, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReplayStoppedException("interrupted", result(), false, e);
            }
        }

        private ReplayStoppedException stopped(KafkaException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                    return new ReplayStoppedException("another replay of the same dead letters took over (" + t
                        + "); what this one committed stays replayed, the rest is the other's", result(), true, e);
                }
            }
            return new ReplayStoppedException("Kafka failed during the replay: " + e, result(), false, e);
        }

        /** A dead letter on its way back: the re-published record and the replay log's record of it. */
        private record Pending(String coordinates, ProducerRecord<byte[], byte[]> replay,
                               ProducerRecord<byte[], byte[]> log) {
        }

        /** Records to commit in one transaction. */
        private final class Batch {

            private final Producer<byte[], byte[]> producer;
            private final int unit;
            private List<Pending> pending = new ArrayList<>();
            private long bytes;

            Batch(Producer<byte[], byte[]> producer, int unit) {
                this.producer = producer;
                this.unit = unit;
            }

            void add(Pending record) {
                pending.add(record);
                bytes += record.replay().value() == null ? 0 : record.replay().value().length;
                if (pending.size() >= properties.replayBatch() || bytes >= properties.replayBatchBytes()) {
                    flush();
                }
            }

            void flush() {
                if (pending.isEmpty()) {
                    return;
                }
                List<Pending> work = pending;
                pending = new ArrayList<>();
                bytes = 0;
                commit(work);
                LOG.info("Dead-letter replay: {} replayed so far", replayed);
            }

            /** One transaction; if Kafka refuses a record of it, each record again in a transaction of its own. */
            private void commit(List<Pending> work) {
                try {
                    producer.beginTransaction();
                    for (Pending record : work) {
                        producer.send(record.replay());
                        producer.send(record.log());
                    }
                    commitTransaction();
                    replayed += work.size();
                } catch (KafkaException e) {
                    ReplayStoppedException stop = stopped(e);
                    if (stop.fenced() || e instanceof org.apache.kafka.common.errors.TimeoutException) {
                        throw stop; // fenced, or the outcome of the commit is unknown: the replay log decides later
                    }
                    try {
                        producer.abortTransaction();
                    } catch (KafkaException abortFailed) {
                        throw stopped(abortFailed);
                    }
                    if (work.size() == 1) {
                        fail(work.get(0).coordinates(), "Kafka refused the record: " + rootCause(e));
                    } else {
                        for (Pending record : work) {
                            commit(List.of(record));
                        }
                    }
                }
            }

            /** A commit that timed out may still complete: Kafka allows only retrying it. */
            private void commitTransaction() {
                for (int attempt = 1; ; attempt++) {
                    try {
                        producer.commitTransaction();
                        return;
                    } catch (org.apache.kafka.common.errors.TimeoutException e) {
                        if (attempt == COMMIT_ATTEMPTS) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    private static String rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
