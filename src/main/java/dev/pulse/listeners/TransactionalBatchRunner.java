package dev.pulse.listeners;

import dev.pulse.deadletters.DeadLetter;

import dev.pulse.metrics.PulseMetrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;

/**
 * Consume-process-produce in Kafka transactions, one per input partition of each polled batch, for batch
 * {@code @KafkaListener}s that run with {@code OffsetStrategy.DISABLED}: a partition's outputs of the batch
 * (results and dead letters alike) and its next offset are committed together, so a {@code read_committed} reader
 * sees each input's output exactly once whatever crashes in between.
 *
 * <p>Each input partition a listener owns has a transactional producer of its own, whose id is derived from the
 * group and the partition alone: {@code <prefix>-<group>-<topic>-<partition>} (prefix {@code
 * pulse.listeners.transactional-id-prefix}). It is created when the partition is assigned, and its
 * {@code initTransactions} fences whichever producer had that id before, the partition's previous owner, alive or
 * killed, and aborts the transaction that one left open, at once. So whoever takes a partition over (a
 * replacement task, or a survivor when the group gives it a killed task's partitions) resumes it as soon as the
 * group has reassigned it, with nothing configured per instance. It is closed when the partition is revoked.
 *
 * <p>Why not one producer per consumer (Kafka's "exactly-once v2", KIP-447, which fences zombies by the group's
 * generation)? Its transactional id must be unique per instance, so a killed instance's id is never used again and
 * nobody aborts what it left open: until {@code transaction.timeout.ms} the transaction's pending offsets keep the
 * new owner's consumer from starting the partition, and its outputs hold back every {@code read_committed} reader.
 * Reusing the dead instance's id would need an identity per task (an instance id, or static membership's
 * {@code group.instance.id}) that ECS does not give, and the task that takes the partitions over is not the
 * replacement anyway. The price of ids per partition: a batch spanning three partitions is three transactions,
 * and an instance holds one producer per partition it owns. The groupMetadata sent with the offsets still fences
 * a zombie's offset commit by generation, as in v2.
 *
 * <p>Any exception from the processor or from Kafka is transient by definition here (the processor turns bad
 * records into dead letters itself): the partition's transaction is aborted, the consumer is moved back to the
 * group's committed offsets for that partition and the batch's later ones (the start of the batch, unless an
 * unclear failure hid a commit that went through), and the listener waits with exponential back-off before the
 * same records come again. Partitions committed before the failure stay committed. Nothing is skipped and nothing
 * goes to the dead-letter queue for it; a listener stuck so for long shows in health.
 *
 * <p>Why not micronaut-kafka's {@code OffsetStrategy.SEND_TO_TRANSACTION}: in 5.9 it opens one transaction per
 * returned value but commits the offsets of the whole poll in the first one (so a crash after it loses the rest of
 * the poll's outputs), commits no offsets for records that return nothing, sends to a single topic set (no dead
 * letters in the same transaction), and on a send error logs and moves on. Nor its transactional producer
 * registry: it keeps one producer per client id, whatever the transactional id asked for.
 */
@Singleton
public class TransactionalBatchRunner implements ApplicationEventListener<ShutdownEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalBatchRunner.class);

    /**
     * Processes one partition's records of a batch; returns every record to publish for them, in order. Throws only
     * for transient failures.
     */
    @FunctionalInterface
    public interface BatchProcessor {
        List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> records) throws Exception;
    }

    /** Makes a transactional producer of {@code listener}'s settings with these ids; the runner initialises it. */
    @FunctionalInterface
    public interface ProducerFactory {
        Producer<byte[], byte[]> create(String listener, String clientId, String transactionalId);
    }

    private final ProducerFactory producers;
    private final ListenerProperties properties;
    private final ListenerHealth health;
    /** Per listener, the producer of each input partition it owns; used from the listener's poll thread only. */
    private final Map<String, Map<TopicPartition, Producer<byte[], byte[]>>> active = new ConcurrentHashMap<>();
    private final Map<String, Duration> backoff = new ConcurrentHashMap<>();

    private final MeterRegistry meters;
    private final PulseMetrics metrics;
    /** Counted down when the application stops: from then on nothing is committed and no failure is retried. */
    private final CountDownLatch stopping = new CountDownLatch(1);

    /**
     * @param meters where {@code pulse_listener_*} metrics go (records, outputs, dead letters, retries, batch time)
     */
    public TransactionalBatchRunner(ProducerFactory producers, ListenerProperties properties,
                                    ListenerHealth health, @Nullable MeterRegistry meters) {
        this.producers = producers;
        this.properties = properties;
        this.health = health;
        this.meters = meters != null ? meters : new SimpleMeterRegistry();
        this.metrics = new PulseMetrics(this.meters);
    }

    /**
     * The transactional id of the producer that commits {@code partition}'s outputs and offsets for {@code group}:
     * the same on every instance, so that the partition's next owner fences its previous one.
     */
    public static String transactionalId(String prefix, String group, TopicPartition partition) {
        return prefix + "-" + group + "-" + partition.topic() + "-" + partition.partition();
    }

    /**
     * Runs one polled batch for {@code listener} (its producers' settings are {@code kafka.producers.<listener>}),
     * one transaction per partition, in the order of the batch. A listener runs one consumer thread; scale out
     * with instances. Returns normally whether the batch was committed or (from its first failed partition on) is
     * to be redelivered.
     */
    public void run(String listener, Consumer<?, ?> consumer, ConsumerRecords<byte[], byte[]> records,
                    BatchProcessor processor) {
        if (records.isEmpty()) {
            return;
        }
        if (stopped(consumer)) {
            return;
        }
        health.processing(listener);
        long started = System.nanoTime();
        Map<TopicPartition, Long> uncommitted = new LinkedHashMap<>();
        for (TopicPartition partition : records.partitions()) {
            uncommitted.put(partition, records.records(partition).get(0).offset());
        }
        for (TopicPartition partition : List.copyOf(uncommitted.keySet())) {
            if (!runPartition(listener, consumer, partition, records.records(partition), processor, uncommitted)) {
                return;
            }
            uncommitted.remove(partition);
        }
        backoff.remove(listener);
        health.succeeded(listener, records.count());
        Timer.builder("pulse.listener.batch").tag("listener", listener).register(meters)
            .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** One partition's transaction; false if it failed (then recovered: aborted, rewound, backed off). */
    private boolean runPartition(String listener, Consumer<?, ?> consumer, TopicPartition partition,
                                 List<ConsumerRecord<byte[], byte[]>> batch, BatchProcessor processor,
                                 Map<TopicPartition, Long> uncommitted) {
        Producer<byte[], byte[]> producer = null;
        Stage stage = Stage.PROCESSING;
        try {
            List<ProducerRecord<byte[], byte[]>> outputs = processor.process(batch);
            producer = producer(listener, consumer, partition);
            producer.beginTransaction();
            stage = Stage.IN_TRANSACTION;
            List<Future<?>> sends = new ArrayList<>(outputs.size());
            for (ProducerRecord<byte[], byte[]> output : outputs) {
                sends.add(producer.send(output));
            }
            long next = batch.get(batch.size() - 1).offset() + 1;
            producer.sendOffsetsToTransaction(Map.of(partition, new OffsetAndMetadata(next)), consumer.groupMetadata());
            stage = Stage.COMMITTING;
            commit(producer);
            stage = Stage.DONE;
            for (Future<?> send : sends) {
                send.get(); // already complete: surfaces a send error commitTransaction did not
            }
            count("pulse.listener.records", listener, batch.size());
            long deadLetters = outputs.stream().filter(o -> o.headers().lastHeader(DeadLetter.HEADER_ERROR) != null).count();
            count("pulse.listener.dead.letters", listener, deadLetters);
            count("pulse.listener.outputs", listener, outputs.size() - deadLetters);
            recordCommitted(listener, batch, outputs);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            recover(listener, partition, consumer, uncommitted, producer, stage, e);
            return false;
        }
    }

    private enum Stage { PROCESSING, IN_TRANSACTION, COMMITTING, DONE }

    private static final java.util.regex.Pattern RULE = java.util.regex.Pattern.compile("\"rule\":\"([A-Z_]+)\"");
    private static final java.util.regex.Pattern STATE = java.util.regex.Pattern.compile("\"state\":\"([A-Z]+)\"");

    /** Pulse's metrics of a committed batch: inputs per topic, latency, dead letters per source, alerts. */
    private void recordCommitted(String listener, List<ConsumerRecord<byte[], byte[]>> batch,
                                 List<ProducerRecord<byte[], byte[]>> outputs) {
        long now = System.currentTimeMillis();
        java.util.Map<String, Long> perTopic = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            perTopic.merge(record.topic(), 1L, Long::sum);
            metrics.latency(listener, now - record.timestamp());
        }
        perTopic.forEach(metrics::processed);
        for (ProducerRecord<byte[], byte[]> output : outputs) {
            var source = output.headers().lastHeader(DeadLetter.HEADER_SOURCE_TOPIC);
            if (source != null) {
                metrics.deadLetter(new String(source.value(), java.nio.charset.StandardCharsets.UTF_8),
                    dev.pulse.deadletters.DeadLetterReason.of(output.headers()).label());
                continue;
            }
            String value = output.value() == null ? "" : new String(output.value(), java.nio.charset.StandardCharsets.UTF_8);
            java.util.regex.Matcher rule = RULE.matcher(value);
            java.util.regex.Matcher state = STATE.matcher(value);
            if (value.contains("\"card_id\"") && rule.find()) {
                metrics.alert("fraud", rule.group(1));
            } else if (value.contains("\"alert_id\"") && state.find()) {
                metrics.alert("temperature", state.group(1));
            }
        }
    }

    /** A commit that timed out may still complete: Kafka allows only retrying it (or closing the producer). */
    private static void commit(Producer<byte[], byte[]> producer) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction(); // flushes; throws if any send failed
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (attempt == COMMIT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static final int COMMIT_ATTEMPTS = 3;

    private void recover(String listener, TopicPartition partition, Consumer<?, ?> consumer,
                         Map<TopicPartition, Long> uncommitted, Producer<byte[], byte[]> producer, Stage stage,
                         Exception error) {
        health.failed(listener, error);
        count("pulse.listener.retries", listener, 1);
        if (stage == Stage.IN_TRANSACTION || stage == Stage.COMMITTING && !isTimeout(error)) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                error.addSuppressed(abortFailed);
                discard(listener, partition);
            }
        } else if (stage == Stage.COMMITTING) {
            discard(listener, partition); // the commit's outcome is unknown; the producer can do nothing else
        }
        if (producer != null && isFatalForProducer(error)) { // failed in Kafka, not in the processor
            discard(listener, partition);
        }
        rewind(listener, consumer, uncommitted);
        Duration delay = backoff.merge(listener, properties.retryInitial(),
            (previous, initial) -> min(previous.multipliedBy(2), properties.retryMax()));
        LOG.warn("Listener {}: records of {} not committed (and of {} partitions after it), retrying in {} ms: {}",
            listener, partition, uncommitted.size() - 1, delay.toMillis(), error.toString(),
            LOG.isDebugEnabled() ? error : null);
        try {
            if (stopping.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                stopped(consumer);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The application is stopping (SIGTERM): the beans a batch needs (Redis) are closing, so a failed batch would be
     * retried until the process is killed, and the task would hold its partitions until its session times out. The
     * listener's consumer is woken instead, so its poll loop ends and it leaves the group; what it did not commit is
     * the partitions' next owner's, from the committed offsets.
     */
    @Override
    public void onApplicationEvent(ShutdownEvent event) {
        stopping.countDown();
    }

    private boolean stopped(Consumer<?, ?> consumer) {
        if (stopping.getCount() > 0) {
            return false;
        }
        consumer.wakeup();
        return true;
    }

    /**
     * Moves the consumer back to the group's committed offsets of the batch's partitions not committed yet, which
     * say whether a transaction went through (its next offset) or not (the batch's first one), even when the failure
     * left that unclear. If the committed offsets cannot be read, back to the start of the batch: a record read twice
     * is better than one lost.
     */
    private static void rewind(String listener, Consumer<?, ?> consumer, Map<TopicPartition, Long> uncommitted) {
        Set<TopicPartition> owned = new HashSet<>(uncommitted.keySet());
        owned.retainAll(consumer.assignment());
        Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
        try {
            committed = consumer.committed(owned, COMMITTED_TIMEOUT);
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException stopping) {
            throw stopping; // the context is closing: swallowed, the consumer's poll loop would never end
        } catch (RuntimeException e) {
            LOG.warn("Listener {}: committed offsets unreadable ({}), rewinding to the start of the batch", listener,
                e.toString());
        }
        for (TopicPartition partition : owned) {
            OffsetAndMetadata offset = committed == null ? null : committed.get(partition);
            consumer.seek(partition, offset != null ? offset.offset() : uncommitted.get(partition));
        }
    }

    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private static boolean isTimeout(Throwable error) {
        return error instanceof org.apache.kafka.common.errors.TimeoutException
            || error instanceof org.apache.kafka.common.errors.InterruptException;
    }

    /**
     * Creates and initialises the transactional producer of each partition newly assigned to {@code listener}. The
     * initialisation fences the partition's previous owner and aborts the transaction it left open (a killed
     * instance's) at once: until that transaction ends, the group's offsets of the partition stay pending and the
     * consumer cannot start it, and read_committed readers of its outputs wait. Called from the rebalance listener,
     * on the poll thread, before the consumer fetches the committed offsets. A failure is only logged: the
     * partition's first batch tries again.
     */
    public void assigned(String listener, Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        List<TopicPartition> ready = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            try {
                producer(listener, consumer, partition);
                ready.add(partition);
            } catch (RuntimeException e) {
                LOG.warn("Listener {}: transactional producer of {} not ready yet ({}); its first batch tries again",
                    listener, partition, e.toString());
            }
        }
        LOG.info("Listener {}: assigned {}; transactional producers of {} ready (previous owners fenced) in {} ms",
            listener, partitions, ready, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Closes the producers of the partitions {@code listener} no longer owns (revoked or lost). Their transactions
     * are all finished: batches run on the poll thread, which is the one calling this.
     */
    public void revoked(String listener, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Producer<byte[], byte[]>> owned = active.get(listener);
        if (owned == null) {
            return;
        }
        for (TopicPartition partition : partitions) {
            Producer<byte[], byte[]> producer = owned.remove(partition);
            if (producer != null) {
                close(producer, REVOKED_CLOSE_TIMEOUT);
            }
        }
    }

    private static final Duration REVOKED_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The partitions whose producers {@code listener} holds now. */
    Set<TopicPartition> producing(String listener) {
        Map<TopicPartition, Producer<byte[], byte[]>> owned = active.get(listener);
        return owned == null ? Set.of() : Set.copyOf(owned.keySet());
    }

    private Producer<byte[], byte[]> producer(String listener, Consumer<?, ?> consumer, TopicPartition partition) {
        Map<TopicPartition, Producer<byte[], byte[]>> owned = active.computeIfAbsent(listener, l -> new ConcurrentHashMap<>());
        Producer<byte[], byte[]> producer = owned.get(partition);
        if (producer == null) {
            String id = transactionalId(properties.transactionalIdPrefix(), consumer.groupMetadata().groupId(), partition);
            producer = producers.create(listener, listener + "-" + partition, id);
            try {
                producer.initTransactions();
            } catch (RuntimeException e) {
                close(producer, Duration.ZERO);
                throw e;
            }
            owned.put(partition, producer);
        }
        return producer;
    }

    private void discard(String listener, TopicPartition partition) {
        Map<TopicPartition, Producer<byte[], byte[]>> owned = active.get(listener);
        Producer<byte[], byte[]> producer = owned == null ? null : owned.remove(partition);
        if (producer != null) {
            close(producer, Duration.ZERO);
        }
    }

    private static void close(Producer<byte[], byte[]> producer, Duration timeout) {
        try {
            producer.close(timeout);
        } catch (RuntimeException e) {
            LOG.debug("closing a transactional producer", e);
        }
    }

    private static boolean isFatalForProducer(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException
                || t instanceof OutOfOrderSequenceException || t instanceof AuthorizationException
                || t instanceof UnsupportedVersionException || t instanceof IllegalStateException) {
                return true;
            }
        }
        return false;
    }

    private void count(String name, String listener, long amount) {
        if (amount > 0) {
            Counter.builder(name).tag("listener", listener).register(meters).increment(amount);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
